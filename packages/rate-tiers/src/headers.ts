import { seconds, sfString } from './core/policy'
import { formatWindow } from './duration'
import type { RateDecision } from './types'

/** Options of `rateLimitHeaders`. */
export interface RateLimitHeadersOptions {
  /** Emit the IETF draft-10 `RateLimit-Policy` / `RateLimit` fields. Default true. */
  ietf?: boolean
  /** Emit the `X-RateLimit-*` set. Default true. */
  legacy?: boolean
}

/**
 * Response headers for a decision: `RateLimit-Policy: "api";q=100;w=60`, `RateLimit: "api";r=42;t=18`
 * (draft-ietf-httpapi-ratelimit-headers-10, one item per checked limit), `X-RateLimit-Limit`,
 * `-Remaining`, `-Reset` (seconds from now), `-Tier`, `-Window`, and `Retry-After` when denied.
 */
export function rateLimitHeaders(
  decision: RateDecision,
  options: RateLimitHeadersOptions = {},
): Record<string, string> {
  const headers: Record<string, string> = {}
  if (options.ietf !== false) {
    headers['RateLimit-Policy'] = decision.limits.map((l) => l.policy).join(', ')
    headers.RateLimit = decision.limits
      .map((l) => `${sfString(l.name)};r=${Math.max(0, l.remaining)};t=${seconds(l.resetMs)}`)
      .join(', ')
  }
  if (options.legacy !== false) {
    headers['X-RateLimit-Limit'] = String(decision.limit)
    headers['X-RateLimit-Remaining'] = String(Math.max(0, decision.remaining))
    headers['X-RateLimit-Reset'] = String(seconds(decision.resetMs))
    headers['X-RateLimit-Tier'] = decision.tier
    headers['X-RateLimit-Window'] = formatWindow(decision.windowMs)
  }
  if (!decision.allowed) headers['Retry-After'] = String(Math.max(1, seconds(decision.retryAfterMs)))
  return headers
}
