/** An RFC 8941 sf-string: quoted, with `\` and `"` escaped. */
export function sfString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** Seconds for header fields, rounded up so a client never retries early. */
export const seconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000))

/** A `RateLimit-Policy` item (draft-ietf-httpapi-ratelimit-headers-10): `"api";q=100;w=60`. */
export function policyItem(name: string, limit: number, windowMs: number): string {
  return `${sfString(name)};q=${limit};w=${seconds(windowMs)}`
}
