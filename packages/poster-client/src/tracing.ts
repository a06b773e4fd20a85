import { type TracedContext, tracer } from '@rc/internal'

/**
 * The `node:diagnostics_channel` TracingChannels this package publishes (see "Tracing" in the
 * README): `tracingChannel(posterChannels.call).subscribe({ start, end, asyncStart, asyncEnd, error })`.
 */
export const posterChannels = {
  call: 'rc:poster-client:call',
  attempt: 'rc:poster-client:attempt',
  limiter: 'rc:poster-client:limiter',
} as const

/** `rc:poster-client:call`: one API call, retries included. */
export interface PosterCallContext extends TracedContext {
  /** The Poster account (subdomain). */
  account: string
  /** The API method, e.g. `'storage.getIngredients'`. */
  method: string
  httpMethod: 'GET' | 'POST'
  /** The request URL with the token replaced: `...?token=REDACTED&...`. */
  url: string
  /** Result field: the last attempt's HTTP status (undefined if none answered). */
  status?: number
  /** Result field: attempts made. */
  attempts?: number
}

/** `rc:poster-client:attempt`: one HTTP request of a call (nested in it). */
export interface PosterAttemptContext extends TracedContext {
  account: string
  method: string
  httpMethod: 'GET' | 'POST'
  url: string
  /** 1-based. */
  attempt: number
  /** Result field: the HTTP status, when an answer arrived. */
  status?: number
  /** Result field: the server's Retry-After, in milliseconds, when it sent one. */
  retryAfterMs?: number
  /** Result field: whether the call makes another attempt after this failed one. */
  willRetry?: boolean
}

/** `rc:poster-client:limiter`: the wait for a rate limiter slot before an attempt (nested in the call). */
export interface PosterLimiterContext extends TracedContext {
  account: string
  method: string
  /** Result field: how long the call waited for its slot, in milliseconds. */
  waitedMs?: number
}

export const tracers = {
  call: tracer<PosterCallContext>(posterChannels.call),
  attempt: tracer<PosterAttemptContext>(posterChannels.attempt),
  limiter: tracer<PosterLimiterContext>(posterChannels.limiter),
}

/** The URL as traces show it: the token parameter replaced by `REDACTED`. */
export function tracedUrl(url: URL): string {
  const shown = new URL(url)
  shown.searchParams.set('token', 'REDACTED')
  return shown.href
}
