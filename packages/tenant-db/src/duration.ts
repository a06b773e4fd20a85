import { type Duration, parseDuration } from '@rc/internal'
import { TenantDbArgumentError } from './errors'

export type { Duration }

/**
 * Parses a duration (`250`, `'500ms'`, `'30s'`, `'5m'`, `'1h'`, `'1d'`) to milliseconds, the way every
 * option of this package does; `what` names the value in the error. Exported as `parseDuration`.
 */
export function toMs(value: Duration | string, what = 'a duration'): number {
  return parseDuration(value, what, (message) => new TenantDbArgumentError(message))
}
