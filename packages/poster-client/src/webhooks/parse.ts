import { createHash } from 'node:crypto'
import { z } from 'zod'
import { type Duration, toMs } from '../duration'
import { PosterWebhookError } from '../errors'
import { bodyToRecord, type WebhookBody } from './body'
import { signaturesEqual, webhookSignature } from './signature'

/** The actions Poster documents. A live integration also logged `closed`: any other action parses too. */
export const webhookActions = ['added', 'changed', 'removed', 'transformed'] as const

/** The objects Poster documents webhooks for (there is no `supplier`). Any other object parses too. */
export const webhookObjects = [
  'transaction',
  'incoming_order',
  'product',
  'dish',
  'category',
  'prepack',
  'ingredient',
  'workshop',
  'ingredients_category',
  'client',
  'client_payed_sum',
  'clients_group',
  'promotion',
  'promotion_prize',
  'client_ewallet',
  'storage',
  'stock',
  'supply',
  'book_transaction',
  'cash_shift_transaction',
  'configs',
  'application',
  'spot',
] as const

export type WebhookAction = (typeof webhookActions)[number]
export type WebhookObject = (typeof webhookObjects)[number]

/**
 * A verified webhook: only what the signature covers. Unsigned fields beside it (`account_number`,
 * or anything else in the body) are dropped, since anyone holding one captured webhook can change
 * them.
 */
export interface PosterWebhookEvent {
  /**
   * The event's identity, from its signed fields only: the same event re-sent with other key order,
   * extra fields, another `verify` case or another content type has the same id. Use it to dedupe.
   */
  id: string
  account: string
  /** `product`, `stock`, `application`...: one of {@link webhookObjects}, or any other string. */
  object: WebhookObject | (string & {})
  object_id: number
  /** One of {@link webhookActions}, or any other string (e.g. `closed`). */
  action: WebhookAction | (string & {})
  /** True when both object and action are documented ones. */
  known: boolean
  /** Unix seconds, when Poster sent it. */
  time: number
  /**
   * The signed `data`, JSON-decoded (left as the string if it is not JSON); absent when the body has
   * no `data` or `data: null`. `stock`: `{type, element_id, storage_id, value_relative, value_absolute}`;
   * `application`: `{user_id, access_token}` (the token on `added`).
   */
  data?: unknown
}

/** Options of {@link parseWebhook} and {@link verifyWebhook}. */
export interface WebhookOptions {
  /** Reject events whose `time` is older than this. Default `'3d'` (Poster retries for two days). */
  maxAge?: Duration
  /** Reject events whose `time` is ahead of the clock by more than this. Default `'5m'`. */
  maxSkew?: Duration
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number
}

const REQUIRED = ['account', 'object', 'object_id', 'action', 'time', 'verify'] as const
const scalar = z.union([z.string(), z.number()]).transform(String)
const payloadSchema = z.object({
  account: z.string().min(1),
  object: z.string().min(1),
  object_id: scalar.pipe(z.string().regex(/^\d+$/, 'object_id must be an integer')),
  action: z.string().min(1),
  time: scalar.pipe(z.string().regex(/^\d+$/, 'time must be unix seconds')),
  // Anything else than the right 32 hex digits (in either case) is a bad signature, not a parse error.
  verify: z.string(),
  // PHP's isset(): a null `data` is no `data`, in the signature too.
  data: z.union([z.string(), z.number().transform(String), z.null().transform(() => undefined)]).optional(),
})

const known = (list: readonly string[], value: string) => list.includes(value)

/**
 * Verifies and decodes a Poster webhook. Accepts the parsed object, the raw JSON or a form body.
 * Throws `PosterWebhookError` whose `reason` is `malformed`, `missing-field`, `bad-signature`,
 * `stale` or `future`.
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
  // Only the signed fields are read: nothing else in the body reaches the parser or the event.
  const signed = Object.fromEntries(
    [...REQUIRED, 'data'].filter((k) => Object.hasOwn(record, k)).map((k) => [k, record[k]]),
  )
  const parsed = payloadSchema.safeParse(signed)
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
  const now = (options.now ?? Date.now)()
  const maxAgeMs = toMs(options.maxAge ?? '3d', 'maxAge')
  const maxSkewMs = toMs(options.maxSkew ?? '5m', 'maxSkew')
  const ageMs = now - time * 1000
  if (ageMs > maxAgeMs) {
    throw new PosterWebhookError(
      'stale',
      `the event is ${Math.round(ageMs / 1000)} s old, over maxAge ${maxAgeMs} ms.`,
    )
  }
  if (-ageMs > maxSkewMs) {
    throw new PosterWebhookError(
      'future',
      `the event is stamped ${Math.round(-ageMs / 1000)} s in the future, over maxSkew ${maxSkewMs} ms.`,
    )
  }
  let data: unknown
  if (p.data !== undefined) {
    try {
      data = JSON.parse(p.data)
    } catch {
      data = p.data
    }
  }
  const id = createHash('sha256')
    .update(JSON.stringify([p.account, p.object, p.object_id, p.action, p.data ?? null, p.time]))
    .digest('base64url')
  return {
    id,
    account: p.account,
    object: p.object,
    object_id: Number(p.object_id),
    action: p.action,
    known: known(webhookObjects, p.object) && known(webhookActions, p.action),
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
