// What leaves the process for Sentry (and what the admin page stores) goes through here: first known
// fields are dropped by name, then every remaining string is scanned for the secrets of the moment and
// for the shapes secrets take in this app. Both run, so neither a new field nor a message that quotes a
// value is enough to leak it.

export const FILTERED = '[Filtered]'

/** Keys whose value is never sent, wherever they appear (headers, contexts, extra, breadcrumb data). */
const SECRET_KEY =
  /pass(word|wd)?|secret|token|authori[sz]ation|cookie|session|api[-_]?key|credential|private[-_]?key|signature|dsn/i

/** Request headers worth keeping; every other one (cookies, authorization, forwarded-for...) goes. */
const KEPT_HEADERS = new Set(['content-type', 'content-length', 'user-agent', 'accept'])

// Secrets by their shape, for values no caller named: a session token in a Bearer header or cookie, a
// Poster token (`<account>:<32 hex>`), credentials in a connection URL, secrets in a query string. Each
// has a cheap guard first: most strings of an event (stack frames) have none of these and skip the regex.
const SECRET_SHAPES: Array<[(text: string) => boolean, RegExp, string]> = [
  // URL credentials first: the Bearer shape would otherwise take a URL's scheme for a token and hide it.
  [
    (t) => t.includes('://') && t.includes('@'),
    /\b([a-z][a-z0-9+.-]{0,30}:\/\/[^:/?#\s@]{1,200}:)[^@/\s]{1,500}@/gi,
    `$1${FILTERED}@`,
  ],
  [
    (t) => t.includes('='),
    /([?&;](?:token|access_token|code|state|password|secret)=)[^&#\s"']+/gi,
    `$1${FILTERED}`,
  ],
  [(t) => /bearer/i.test(t), /\bBearer\s+[A-Za-z0-9._~+/-]+=*/gi, `Bearer ${FILTERED}`],
  [(t) => t.includes('rc_'), /\b(rc_session|rc_device_[\w-]*)=[^;\s,]+/g, `$1=${FILTERED}`],
  [(t) => t.includes(':'), /\b\d{1,20}:[0-9a-f]{32}\b/gi, FILTERED],
]

// Shorter strings are too likely to match ordinary words or numbers in a message.
const MIN_SECRET_LENGTH = 8

/** Every occurrence of each secret, and of each secret shape, replaced by `[Filtered]`. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join(FILTERED)
  }
  for (const [guard, shape, replacement] of SECRET_SHAPES)
    if (guard(out)) out = out.replace(shape, replacement)
  return out
}

/** A deep copy with secret-named keys filtered and every string scanned; cycles and depth are bounded. */
export function scrubValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value, secrets)
  if (value === null || typeof value !== 'object') return value
  if (depth > 12) return FILTERED
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, secrets, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? FILTERED : scrubValue(item, secrets, depth + 1)
  }
  return out
}

interface EventLike {
  request?: {
    method?: string
    url?: string
    headers?: Record<string, string>
    cookies?: unknown
    data?: unknown
    query_string?: unknown
    env?: unknown
  }
  user?: { id?: string | number } & Record<string, unknown>
  breadcrumbs?: unknown
  sdkProcessingMetadata?: unknown
}

/**
 * The structural pass, then the scan: the request keeps its method, its URL without a query string
 * and a few harmless headers (no cookies, body, query or environment); the user keeps only an id;
 * breadcrumbs are dropped (the app records none it needs, and they would carry what a request saw).
 */
export function scrubEvent<E extends EventLike>(event: E, secrets: readonly string[]): E {
  const copy: EventLike = { ...event }
  if (copy.request) {
    const { method, url, headers } = copy.request
    copy.request = {
      ...(method ? { method } : {}),
      ...(url ? { url: url.split('?')[0] } : {}),
      ...(headers
        ? {
            headers: Object.fromEntries(
              Object.entries(headers).filter(([name]) => KEPT_HEADERS.has(name.toLowerCase())),
            ),
          }
        : {}),
    }
  }
  if (copy.user) copy.user = copy.user.id === undefined ? {} : { id: copy.user.id }
  delete copy.breadcrumbs
  // The SDK's own bookkeeping (scopes, sampling): read after beforeSend, never sent as it is.
  const { sdkProcessingMetadata, ...sent } = copy
  const scrubbed = scrubValue(sent, secrets) as E
  if (sdkProcessingMetadata !== undefined) scrubbed.sdkProcessingMetadata = sdkProcessingMetadata
  return scrubbed
}

/** A request body's or query's credentials: string values under secret-named keys, plus OAuth's code and state. */
export function secretFieldsOf(value: unknown, depth = 0): string[] {
  if (value === null || typeof value !== 'object' || depth > 4) return []
  const found: string[] = []
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string' && (SECRET_KEY.test(key) || /^(code|state)$/i.test(key))) found.push(item)
    else if (typeof item === 'object') found.push(...secretFieldsOf(item, depth + 1))
  }
  return found
}
