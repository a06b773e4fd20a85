import { type Duration, formatDuration, parseDuration } from '@rc/internal'
import { RateTiersError } from './errors'

export type { Duration }

/**
 * Parses a duration (`250`, `'500ms'`, `'30s'`, `'5m'`, `'1h'`, `'1d'`) to milliseconds, the way every
 * option of this package does; `what` names the value in the error. Exported as `parseDuration`.
 */
export function toMs(value: Duration | string, what = 'a duration'): number {
  return parseDuration(value, what, (message) => new RateTiersError('RATE_TIERS_INVALID_CONFIG', message))
}

/** The shortest exact form of a window for headers and messages: 60000 → '1m'. */
export const formatWindow: (ms: number) => string = formatDuration
