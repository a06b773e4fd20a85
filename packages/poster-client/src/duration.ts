import { PosterError } from './errors'

/** Milliseconds, or a string such as `'500ms' '30s' '5m' '1h' '1d'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** Parses a duration to milliseconds; `what` names the option in the error. */
export function toMs(value: Duration, what: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new PosterError(
        'POSTER_INVALID_ARGUMENT',
        `[@rc/poster-client] ${what} must be a non-negative number of milliseconds, got ${value}.`,
      )
    }
    return value
  }
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(String(value).trim())
  if (!match) {
    throw new PosterError(
      'POSTER_INVALID_ARGUMENT',
      `[@rc/poster-client] ${what} must be milliseconds or a string like '500ms', '30s', '5m', '1h', '1d'; got ${JSON.stringify(value)}.`,
    )
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
}
