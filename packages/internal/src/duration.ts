/** Milliseconds, or a string such as `'500ms' '30s' '5m' '1h' '1d'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/

/**
 * Parses a duration to milliseconds. `what` names the option in the message; `fail` builds the
 * calling package's own error from it, so each package keeps its error class and code.
 */
export function parseDuration(value: unknown, what: string, fail: (message: string) => Error): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw fail(`${what} must be a non-negative number of milliseconds, got ${value}.`)
    }
    return value
  }
  const match = typeof value === 'string' ? DURATION.exec(value.trim()) : null
  if (!match) {
    throw fail(
      `${what} must be milliseconds or a string like '500ms', '30s', '5m', '1h', '1d'; got ${JSON.stringify(value)}.`,
    )
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
}

/** The shortest exact form of a duration, for headers and messages: 60000 → '1m', 1500 → '1500ms'. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`
  }
  return `${ms}ms`
}
