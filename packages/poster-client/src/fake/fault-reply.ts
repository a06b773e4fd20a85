import type { ServerResponse } from 'node:http'
import { flatError, nestedError } from './api'
import type { FakeFault } from './faults'
import { send, TOO_MANY } from './http'
import type { Rng } from './rng'
import type { FakeRequest } from './types'

/**
 * Plays an injected fault. Resolves true when the fault is the whole answer, false when the normal
 * answer should follow (a slow reply, after its delay).
 */
export async function replyWithFault(
  fault: FakeFault,
  res: ServerResponse,
  record: FakeRequest,
  timing: { slowDelayMs: number; retryAfterMs: number },
  rng: Rng,
): Promise<boolean> {
  switch (fault) {
    case 'server-error': {
      const status = rng.pick([500, 502, 503])
      record.status = status
      record.outcome = fault
      res.writeHead(status, { 'content-type': 'text/html' })
      res.end('<html><body>Bad Gateway</body></html>')
      return true
    }
    case 'rate-limit':
      // Retry-After goes out in whole seconds, as HTTP allows.
      send(res, record, TOO_MANY, fault, {
        'retry-after': String(Math.max(1, Math.ceil(timing.retryAfterMs / 1000))),
      })
      return true
    case 'slow':
      record.outcome = fault
      await new Promise((r) => setTimeout(r, timing.slowDelayMs))
      return false
    case 'hang':
      record.outcome = fault
      return true
    case 'malformed-json':
      record.status = 200
      record.outcome = fault
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"response":[{"storage_id":"1","storage_na')
      return true
    case 'disconnect':
      record.outcome = fault
      res.socket?.destroy()
      return true
    default: {
      const message = fault.message ?? 'Injected error'
      const answer =
        fault.shape === 'flat'
          ? flatError(fault.error, message, fault.field)
          : fault.shape === 'oauth'
            ? { status: 200, body: { code: fault.error, error_type: 'injected', error_message: message } }
            : nestedError(fault.error, message)
      send(res, record, answer, 'poster-error')
      return true
    }
  }
}
