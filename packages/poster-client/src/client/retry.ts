import type { PosterError } from '../errors'

/** Resolved retry policy in milliseconds. */
export interface RetryPolicy {
  retries: number
  minDelayMs: number
  maxDelayMs: number
  maxElapsedMs: number
}

/** Full jitter: uniform in [0, min(maxDelay, minDelay * 2^attempt)] (attempt counts from 0). */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** attempt)
  return Math.floor(random() * ceiling)
}

/** A failed attempt, classified. */
export interface AttemptFailure {
  error: PosterError
  /** Transient: network, timeout, 5xx, 429, truncated body. */
  transient: boolean
  /** False only when the request certainly never reached Poster (connection refused). */
  mayHaveReachedServer: boolean
  retryAfterMs?: number
}

/** Whether a failure may be retried: transient, and either safe to repeat or never delivered. */
export function mayRetry(failure: AttemptFailure, repeatable: boolean): boolean {
  return failure.transient && (repeatable || !failure.mayHaveReachedServer)
}

/** Retry-After in seconds or as an HTTP date, in milliseconds. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
