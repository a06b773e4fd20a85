import { webhookSignature } from '../webhooks/signature'
import type { FakeAccount, FakeWebhookEvent } from './types'

/** Builds Poster's webhook body for `event`, signs it with `secret` and POSTs it as JSON. */
export async function sendSignedWebhook(
  target: string,
  account: FakeAccount,
  event: FakeWebhookEvent,
  secret: string,
): Promise<{ status: number; body: string; payload: Record<string, unknown> }> {
  // Poster sends `data` as a JSON-encoded string and signs that exact string.
  const data =
    event.data === undefined || event.data === null
      ? undefined
      : typeof event.data === 'string'
        ? event.data
        : JSON.stringify(event.data)
  const time = String(event.time ?? Math.floor(Date.now() / 1000))
  const verify = webhookSignature(
    {
      account: account.account,
      object: event.object,
      object_id: String(event.object_id),
      action: event.action,
      data,
      time,
    },
    secret,
  )
  const payload: Record<string, unknown> = {
    account: account.account,
    account_number: String(account.accountNumber),
    object: event.object,
    object_id: event.object_id,
    action: event.action,
    time,
    verify,
    ...(data === undefined ? (event.data === null ? { data: null } : {}) : { data }),
  }
  const response = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  })
  return { status: response.status, body: await response.text(), payload }
}
