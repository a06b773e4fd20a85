import { z } from 'zod'
import { type Duration, toMs } from '../duration'
import { PosterWebhookError } from '../errors'
import { bodyToRecord, type WebhookBody } from './body'
import { signaturesEqual, webhookSignature } from './signature'

/** Poster's webhook actions. */
export const webhookActions = ['added', 'changed', 'removed', 'transformed'] as const

/** A verified webhook, Poster's field names kept; `data` JSON-decoded when present. */
export interface PosterWebhookEvent {
  account: string
  account_number: string | undefined
  /** `product`, `dish`, `ingredient`, `storage`, `stock`, `supply`, `application`... (no `supplier`). */
  object: string
  object_id: number
  action: (typeof webhookActions)[number]
  /** Unix seconds. */
  time: number
  /** The decoded `data` string; for `stock`: `{type, element_id, storage_id, value_relative, value_absolute}`. */
  data?: unknown
}

/** Options of {@link parseWebhook} and {@link verifyWebhook}. */
export interface WebhookOptions {
  /** Reject events whose `time` is older than this. Default `'3d'` (Poster retries for two days). */
  maxAge?: Duration
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number
}

const REQUIRED = ['account', 'object', 'object_id', 'action', 'time', 'verify'] as const
const scalar = z.union([z.string(), z.number()]).transform(String)
const payloadSchema = z.object({
  account: z.string().min(1),
  account_number: scalar.optional(),
  object: z.string().min(1),
  object_id: scalar.pipe(z.string().regex(/^\d+$/, 'object_id must be an integer')),
  action: z.enum(webhookActions),
  time: scalar.pipe(z.string().regex(/^\d+$/, 'time must be unix seconds')),
  verify: z.string().regex(/^[0-9a-fA-F]{32}$/, 'verify must be 32 hex characters'),
  data: z.string().optional(),
})

/**
 * Verifies and decodes a Poster webhook. Accepts the parsed object, the raw JSON or a form body.
 * Throws `PosterWebhookError` whose `reason` is `malformed`, `missing-field`, `bad-signature` or `stale`.
 */
export function parseWebhook(
  body: WebhookBody,
  secret: string,
  options: WebhookOptions = {},
): PosterWebhookEvent {
  if (typeof secret !== 'string' || secret === '') {
    throw new PosterWebhookError(
      'malformed',
      'the application secret is empty; pass the secret of your Poster app.',
    )
  }
  const record = bodyToRecord(body)
  const missing = REQUIRED.filter(
    (name) => record[name] === undefined || record[name] === null || record[name] === '',
  )
  if (missing.length > 0) throw new PosterWebhookError('missing-field', `missing ${missing.join(', ')}.`)
  const parsed = payloadSchema.safeParse(record)
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new PosterWebhookError('malformed', `${detail}.`)
  }
  const p = parsed.data
  const expected = webhookSignature(p, secret)
  if (!signaturesEqual(expected, p.verify)) {
    throw new PosterWebhookError('bad-signature', 'verify does not match; check the application secret.')
  }
  const time = Number(p.time)
  const maxAgeMs = toMs(options.maxAge ?? '3d', 'maxAge')
  const ageMs = (options.now ?? Date.now)() - time * 1000
  if (ageMs > maxAgeMs) {
    throw new PosterWebhookError(
      'stale',
      `the event is ${Math.round(ageMs / 1000)} s old, over maxAge ${maxAgeMs} ms.`,
    )
  }
  let data: unknown
  if (p.data !== undefined) {
    try {
      data = p.data === '' ? '' : JSON.parse(p.data)
    } catch {
      throw new PosterWebhookError('malformed', 'data is not valid JSON.')
    }
  }
  return {
    account: p.account,
    account_number: p.account_number,
    object: p.object,
    object_id: Number(p.object_id),
    action: p.action,
    time,
    ...(p.data === undefined ? {} : { data }),
  }
}

/** True when the body is a well-formed, correctly signed and fresh Poster webhook. Never throws on bad input. */
export function verifyWebhook(body: WebhookBody, secret: string, options: WebhookOptions = {}): boolean {
  try {
    parseWebhook(body, secret, options)
    return true
  } catch (error) {
    if (error instanceof PosterWebhookError) return false
    throw error
  }
}
