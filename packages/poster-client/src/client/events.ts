/** Events a client emits; URLs are redacted, the token never appears. */
export type PosterClientEvent =
  | { type: 'request'; method: string; httpMethod: 'GET' | 'POST'; url: string; attempt: number }
  | { type: 'response'; method: string; status: number; durationMs: number; attempt: number }
  | { type: 'throttled'; method: string; waitedMs: number }
  | { type: 'retry'; method: string; attempt: number; delayMs: number; reason: string }
  | { type: 'error'; method: string; code: string; message: string }
  /**
   * The rate limit store failed: `release` (a finished request's slot stays taken until the lease
   * ends, the attempt timeout + 10 s, so the account runs below its limit meanwhile) or `pause` (a
   * 429's Retry-After paused only this client, not the other processes).
   */
  | { type: 'limiter-error'; operation: 'release' | 'pause'; message: string }
