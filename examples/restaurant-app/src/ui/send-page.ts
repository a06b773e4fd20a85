import type { FastifyReply } from 'fastify'
import { PAGE_CSP } from '../http/security-headers'

/** A page: this origin's script and styles only, never stored (it holds a restaurant's data). */
export function sendPage(reply: FastifyReply, page: string | Buffer) {
  return reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', PAGE_CSP)
    .header('cache-control', 'no-store')
    .send(page)
}
