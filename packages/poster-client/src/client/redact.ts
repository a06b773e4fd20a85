const REDACTED = '[redacted]'

/** Replaces every occurrence of the token (raw or URL-encoded) with a marker. */
export function redact(text: string, token: string): string {
  if (!token) return text
  let out = text.split(token).join(REDACTED)
  const encoded = encodeURIComponent(token)
  if (encoded !== token) out = out.split(encoded).join(REDACTED)
  return out.replace(/([?&]token=)[^&#\s]*/g, `$1${REDACTED}`)
}

/**
 * A copy of an error from fetch/undici that cannot leak the token: message and stack redacted,
 * `code`/`errno`/`syscall` kept (they decide retries), nested causes copied the same way.
 */
export function sanitizeCause(error: unknown, token: string, depth = 0): unknown {
  if (!(error instanceof Error)) return error === undefined ? undefined : redact(String(error), token)
  const copy = new Error(redact(error.message, token))
  copy.name = error.name
  copy.stack = redact(error.stack ?? '', token)
  const source = error as Error & { code?: unknown; errno?: unknown; syscall?: unknown }
  const target = copy as Error & { code?: unknown; errno?: unknown; syscall?: unknown }
  if (typeof source.code === 'string' || typeof source.code === 'number') target.code = source.code
  if (typeof source.errno === 'number') target.errno = source.errno
  if (typeof source.syscall === 'string') target.syscall = source.syscall
  if (error.cause !== undefined && depth < 4) {
    Object.defineProperty(copy, 'cause', {
      value: sanitizeCause(error.cause, token, depth + 1),
      enumerable: false,
    })
  }
  return copy
}
