/** A parameter value Poster accepts: scalars, arrays and nested objects. */
export type PosterParamValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | Date
  | PosterParamValue[]
  | { [key: string]: PosterParamValue }

/** Parameters of a Poster call. */
export type PosterParams = Record<string, PosterParamValue>

/** Poster is PHP: nested values go as `a[b]=1&a[list][0]=x`; undefined is left out, dates as `Ymd`. */
export function appendParams(search: URLSearchParams, params: PosterParams, prefix = ''): void {
  for (const [name, value] of Object.entries(params)) {
    const key = prefix ? `${prefix}[${name}]` : name
    if (value === undefined) continue
    if (value instanceof Date) search.append(key, toYmd(value))
    else if (Array.isArray(value)) appendParams(search, Object.fromEntries(value.entries()), key)
    else if (value !== null && typeof value === 'object') appendParams(search, value, key)
    else if (typeof value === 'boolean') search.append(key, value ? '1' : '0')
    else search.append(key, value === null ? '' : String(value))
  }
}

/** `Ymd` in UTC, the format of Poster's date filters. */
export function toYmd(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`
}

/** `Y-m-d H:i:s` in UTC, the format Poster uses for dates in bodies. */
export function toPosterDateTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ')
}
