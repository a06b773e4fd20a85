import { createHash, timingSafeEqual } from 'node:crypto'

/** The signed fields of a webhook, as strings exactly as received. */
export interface SignedWebhookFields {
  account: string
  object: string
  object_id: string
  action: string
  /** The raw JSON string; left out of the signature when absent. */
  data?: string | undefined
  time: string
}

/** Poster's `verify`: md5 of `account;object;object_id;action[;data];time;secret`, lowercase hex. */
export function webhookSignature(fields: SignedWebhookFields, secret: string): string {
  const parts = [fields.account, fields.object, fields.object_id, fields.action]
  if (fields.data !== undefined) parts.push(fields.data)
  parts.push(fields.time, secret)
  return createHash('md5').update(parts.join(';'), 'utf8').digest('hex')
}

/** Constant-time comparison of two hex signatures (case-insensitive). */
export function signaturesEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected.toLowerCase(), 'utf8')
  const b = Buffer.from(received.toLowerCase(), 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}
