import type { ServerResponse } from 'node:http'
import { flatError, nestedError } from './api'
import type { FakeFault } from './faults'
import { send, TOO_MANY } from './http'
import type { Rng } from './rng'
import type { FakeRequest } from './types'

/**
 * Plays an injected fault: `answered` when the fault is the whole answer, `continue` when the normal
 * answer follows (a slow reply, after its delay), `swallow` when the method runs but its answer is
 * never sent (a lost reply).
 */
export async function replyWithFault(
  fault: FakeFault,
  res: ServerResponse,
  record: FakeRequest,
  timing: { slowDelayMs: number; retryAfterMs: number },
  rng: Rng,
): Promise<'answered' | 'continue' | 'swallow'> {
  switch (fault) {
    case 'server-error': {
      const status = rng.pick([500, 502, 503])
      record.status = status
      record.outcome = fault
      res.writeHead(status, { 'content-type': 'text/html' })
      res.end('<html><body>Bad Gateway</body></html>')
      return 'answered'
    }
    case 'rate-limit':
      // Retry-After goes out in whole seconds, as HTTP allows.
      send(res, record, TOO_MANY, fault, {
        'retry-after': String(Math.max(1, Math.ceil(timing.retryAfterMs / 1000))),
      })
      return 'answered'
    case 'slow':
      record.outcome = fault
      await new Promise((r) => setTimeout(r, timing.slowDelayMs))
      return 'continue'
    case 'hang':
      record.outcome = fault
      return 'answered'
    case 'lost-reply':
      record.outcome = fault
      return 'swallow'
    case 'malformed-json':
      record.status = 200
      record.outcome = fault
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"response":[{"storage_id":"1","storage_na')
      return 'answered'
    case 'disconnect':
      record.outcome = fault
      res.socket?.destroy()
      return 'answered'
    default: {
      const message = fault.message ?? 'Injected error'
      const answer =
        fault.shape === 'flat'
          ? flatError(fault.error, message, fault.field)
          : fault.shape === 'oauth'
            ? { status: 200, body: { code: fault.error, error_type: 'injected', error_message: message } }
            : nestedError(fault.error, message)
      send(res, record, answer, 'poster-error')
      return 'answered'
    }
  }
}
