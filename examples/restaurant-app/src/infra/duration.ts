const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `'500ms' '30s' '5m' '1h' '1d'` or milliseconds, as across the toolkit. */
export function toMs(value: string | number): number {
  if (typeof value === 'number') return value
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim())
  if (!match) throw new Error(`Not a duration: ${JSON.stringify(value)} (use e.g. '30s', '15m', '1h').`)
  return Number(match[1]) * (UNITS[match[2] as string] as number)
}
