import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ApiAnswer } from './api'
import { decodeForm } from './form'
import type { FakeRequest } from './types'

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** A write body as JSON or as a PHP-style form, whichever it is. */
export function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw.trim() === '') return {}
  if (!contentType?.includes('application/x-www-form-urlencoded')) {
    try {
      const parsed = JSON.parse(raw)
      if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>
    } catch {}
  }
  return decodeForm(raw)
}

/** Writes a JSON answer and notes it on the request record. */
export function send(
  res: ServerResponse,
  record: FakeRequest,
  answer: ApiAnswer,
  outcome: string,
  headers: Record<string, string> = {},
): void {
  record.status = answer.status
  record.outcome = outcome
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(answer.body))
}

export const TOO_MANY: ApiAnswer = {
  status: 429,
  body: { error: { code: 429, message: 'Too many requests' } },
}
