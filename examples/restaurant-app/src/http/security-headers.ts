import type { FastifyReply, FastifyRequest } from 'fastify'

/** The admin and login pages: their own script and styles only, never in a frame, forms to this origin. */
export const PAGE_CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"

/**
 * Headers on every answer: no framing (clickjacking), no MIME sniffing, no referrer to other origins.
 * HTML without a policy of its own (the docs) still gets `frame-ancestors 'none'`.
 */
export async function securityHeaders<T>(
  _request: FastifyRequest,
  reply: FastifyReply,
  payload: T,
): Promise<T> {
  reply.header('x-frame-options', 'DENY')
  reply.header('x-content-type-options', 'nosniff')
  reply.header('referrer-policy', 'same-origin')
  const type = String(reply.getHeader('content-type') ?? '')
  if (type.startsWith('text/html') && !reply.hasHeader('content-security-policy'))
    reply.header('content-security-policy', "frame-ancestors 'none'")
  return payload
}
