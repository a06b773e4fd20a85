import type { Duration } from '../duration'
import type { RateLimitStore } from '../limiter/store'
import type { PosterClientEvent } from './events'

/** Per-account limits. Poster documents none; careful clients stay near 4-5 requests/s. */
export interface RateLimitOptions {
  /** Requests in any sliding second. Default 4. */
  perSecond?: number
  /** Requests in any sliding minute. Default unlimited. */
  perMinute?: number
  /** Requests in flight at once. Default 2. */
  maxConcurrent?: number
  /**
   * Added to every window. A request already counts from its grant until a window after its answer,
   * which bounds when Poster saw it; a margin only adds slack for clock drift. Default 0.
   */
  margin?: Duration
  /** Where slots are counted. Default: a store private to this client. Share a Redis store across instances. */
  store?: RateLimitStore
}

/** When and how often to try again. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 5. */
  retries?: number
  /** Base of the exponential backoff. Default `'200ms'`. */
  minDelay?: Duration
  /** Cap of one backoff delay (not of Retry-After, which is always honoured). Default `'30s'`. */
  maxDelay?: Duration
  /** No retry starts once this much time has passed since the call began. Default `'2m'`. */
  maxElapsed?: Duration
}

/** Options of `createPosterClient`. */
export interface PosterClientOptions {
  /** Poster account (the subdomain of `{account}.joinposter.com`). */
  account: string
  /** Access token (`{account_number}:{32 hex}`); only ever sent as the `token` query parameter. */
  token: string
  /** API origin. Default `https://{account}.joinposter.com`; point it at `createFakePoster().url` in tests. */
  baseUrl?: string
  /** Per-account rate limit. */
  rateLimit?: RateLimitOptions
  /** Retry policy; `false` disables retries. */
  retry?: RetryOptions | false
  /** Time limit of one attempt, including reading the body. Default `'20s'` (Poster's first call after idle can take 5 s). */
  timeout?: Duration
  /** fetch implementation. Default the global fetch. */
  fetch?: typeof fetch
  /** Receives request, response, retry and throttling events; the token is redacted from all of them. */
  onEvent?: (event: PosterClientEvent) => void
}

/** Per-call options of every method. */
export interface CallOptions {
  /** Cancels the call while it waits for a slot, runs or backs off. */
  signal?: AbortSignal
  /** Allow retrying a POST: only set it when repeating the write cannot duplicate it. */
  idempotent?: boolean
  /** HTTP method; by default GET for reads and POST for `create*`/`update*`/`remove*`/`delete*`. */
  httpMethod?: 'GET' | 'POST'
}
