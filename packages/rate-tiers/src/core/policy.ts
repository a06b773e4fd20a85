/** An RFC 8941 sf-string: quoted, with `\` and `"` escaped. */
export function sfString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** Seconds for header fields, rounded up so a client never retries early. */
export const seconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000))

/**
 * A `RateLimit-Policy` item (draft-ietf-httpapi-ratelimit-headers-10 section 3.1): `"api";q=100;w=60`,
 * or for requests in flight `"inflight";q=5;qu="concurrent-requests"` (a concurrency has no window).
 */
export function policyItem(name: string, limit: number, windowMs: number, concurrency = false): string {
  if (concurrency) return `${sfString(name)};q=${limit};qu="concurrent-requests"`
  // w is a positive integer of seconds (3.1.3): a sub-second window reads as 1.
  return `${sfString(name)};q=${limit};w=${Math.max(1, seconds(windowMs))}`
}
