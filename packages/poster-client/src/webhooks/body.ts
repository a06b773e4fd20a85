import { PosterWebhookError } from '../errors'

/** A webhook body as a framework may hand it over. */
export type WebhookBody = string | Uint8Array | URLSearchParams | Record<string, unknown>

/** Turns JSON text, form-encoded text or an already parsed body into a plain record. */
export function bodyToRecord(body: WebhookBody): Record<string, unknown> {
  if (body instanceof URLSearchParams) return Object.fromEntries(body)
  if (body instanceof Uint8Array) return bodyToRecord(Buffer.from(body).toString('utf8'))
  if (typeof body === 'string') {
    const trimmed = body.trim()
    if (trimmed.startsWith('{')) {
      let parsed: unknown
      try {
        parsed = JSON.parse(trimmed)
      } catch {
        throw new PosterWebhookError('malformed', 'the body starts like JSON but does not parse.')
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new PosterWebhookError('malformed', 'the JSON body is not an object.')
      }
      return parsed as Record<string, unknown>
    }
    if (trimmed.includes('=')) return Object.fromEntries(new URLSearchParams(trimmed))
    throw new PosterWebhookError('malformed', 'the body is neither JSON nor form-encoded.')
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body
  throw new PosterWebhookError(
    'malformed',
    'the body must be a string, a Buffer, URLSearchParams or an object.',
  )
}
