import { formatWindow } from './duration'
import type { RateDecision } from './types'

/** Options of `rateLimitBody`. */
export interface RateLimitBodyOptions {
  /** Where a customer upgrades their plan. */
  upgradeUrl?: string
  /** `'json'` (default): the original app's body; `'problem+json'`: the IETF draft's problem details. */
  format?: 'json' | 'problem+json'
}

/** The original app's 429 body. */
export interface RateLimitJsonBody {
  error: 'Too Many Requests'
  code: 'RATE_LIMIT_EXCEEDED'
  message: string
  /** Seconds until the same request would be admitted. */
  retryAfter: number
  tier: string
  bucket: string
  limits: {
    current: { limit: number; window: string }
    next: { tier: string; limit: number; window: string } | null
  }
  upgradeUrl?: string
}

/** The draft's `application/problem+json` body. */
export interface RateLimitProblemBody {
  type: 'https://iana.org/assignments/http-problem-types#quota-exceeded'
  title: string
  status: 429
  detail: string
  'violated-policies': string[]
  tier: string
  retryAfter: number
  upgradeUrl?: string
}

/** The media type to send a body of this format with. */
export function rateLimitContentType(format: RateLimitBodyOptions['format'] = 'json'): string {
  return format === 'problem+json' ? 'application/problem+json' : 'application/json; charset=utf-8'
}

/** The body of a 429: names the tier, the limit, when to retry and how to upgrade. */
export function rateLimitBody(
  decision: RateDecision,
  options: { format: 'problem+json'; upgradeUrl?: string },
): RateLimitProblemBody
export function rateLimitBody(
  decision: RateDecision,
  options?: { format?: 'json'; upgradeUrl?: string },
): RateLimitJsonBody
export function rateLimitBody(
  decision: RateDecision,
  options?: RateLimitBodyOptions,
): RateLimitJsonBody | RateLimitProblemBody
export function rateLimitBody(
  decision: RateDecision,
  options: RateLimitBodyOptions = {},
): RateLimitJsonBody | RateLimitProblemBody {
  const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000))
  const window = formatWindow(decision.windowMs)
  const next = decision.nextTier
  const upgrade = next ? ` or upgrade to ${next.tier} (${next.limit} per ${formatWindow(next.windowMs)})` : ''
  const detail = `The ${decision.tier} plan allows ${decision.limit} ${decision.bucket} requests per ${window}. Retry in ${retryAfter} s${upgrade}.`
  const url = options.upgradeUrl === undefined ? {} : { upgradeUrl: options.upgradeUrl }
  if (options.format === 'problem+json') {
    return {
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      title: 'Request cannot be satisfied as assigned quota has been exceeded',
      status: 429,
      detail,
      'violated-policies': decision.limits.filter((l) => !l.allowed && !l.shadow).map((l) => l.name),
      tier: decision.tier,
      retryAfter,
      ...url,
    }
  }
  return {
    error: 'Too Many Requests',
    code: 'RATE_LIMIT_EXCEEDED',
    message: `Rate limit exceeded. ${detail}`,
    retryAfter,
    tier: decision.tier,
    bucket: decision.bucket,
    limits: {
      current: { limit: decision.limit, window },
      next: next ? { tier: next.tier, limit: next.limit, window: formatWindow(next.windowMs) } : null,
    },
    ...url,
  }
}
