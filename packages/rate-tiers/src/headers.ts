import { seconds, sfString } from './core/policy'
import { formatWindow } from './duration'
import type { LimitResult, RateDecision } from './types'

/** Options of `rateLimitHeaders`. */
export interface RateLimitHeadersOptions {
  /** Emit the IETF draft-10 `RateLimit-Policy` / `RateLimit` fields. Default true. */
  ietf?: boolean
  /** Emit the `X-RateLimit-*` set. Default true. */
  legacy?: boolean
  /** Include shadow limits (not enforced yet) in the IETF fields. Default false. */
  shadow?: boolean
}

/** One `RateLimit` item: `r` remaining units, `t` seconds until more quota (omitted for a free concurrency). */
function serviceLimit(l: LimitResult): string {
  const item = `${sfString(l.name)};r=${Math.max(0, l.remaining)}`
  return l.concurrency && l.nextMs === 0 ? item : `${item};t=${seconds(l.nextMs)}`
}

/**
 * Response headers for a decision (draft-ietf-httpapi-ratelimit-headers-10): `RateLimit-Policy:
 * "api";q=100;w=60` and `RateLimit: "api";r=42;t=18`, one item per checked limit, where `t` is the
 * seconds until more quota is available (4.1.2); `X-RateLimit-Limit`, `-Remaining`, `-Reset` (the
 * same seconds; on a denial, Retry-After's), `-Tier`, `-Window`; and `Retry-After` when denied,
 * never earlier than the `t` of a limit that denied.
 */
export function rateLimitHeaders(
  decision: RateDecision,
  options: RateLimitHeadersOptions = {},
): Record<string, string> {
  const headers: Record<string, string> = {}
  const shown = options.shadow ? decision.limits : decision.limits.filter((l) => !l.shadow)
  if (options.ietf !== false && shown.length > 0) {
    headers['RateLimit-Policy'] = shown.map((l) => l.policy).join(', ')
    headers.RateLimit = shown.map(serviceLimit).join(', ')
  }
  const retryAfter = Math.max(1, seconds(decision.retryAfterMs))
  const deciding = decision.limits.find((l) => l.policy === decision.policy)
  if (options.legacy !== false && (options.shadow || !deciding?.shadow)) {
    headers['X-RateLimit-Limit'] = String(decision.limit)
    headers['X-RateLimit-Remaining'] = String(Math.max(0, decision.remaining))
    headers['X-RateLimit-Reset'] = String(decision.allowed ? seconds(decision.nextMs) : retryAfter)
    headers['X-RateLimit-Tier'] = decision.tier
    if (!deciding?.concurrency) headers['X-RateLimit-Window'] = formatWindow(decision.windowMs)
  }
  if (!decision.allowed) headers['Retry-After'] = String(retryAfter)
  return headers
}
