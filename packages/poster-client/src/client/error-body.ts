import { PosterApiError, PosterAuthError, type PosterError, PosterPermissionError } from '../errors'

interface Context {
  method: string
  account: string
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function toCode(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined
}

/**
 * Reads Poster's error out of a parsed body, in any of its three shapes:
 * `{error:{code,message}}` (documented), `{error:42,message,field}` (seen) and the OAuth
 * `{code,error_type,error_message}`. Returns undefined when the body is not an error.
 */
export function readPosterError(
  body: unknown,
): { code: number; message: string; field?: string } | undefined {
  if (!isRecord(body)) return undefined
  const { error } = body
  if (isRecord(error)) {
    const code = toCode(error.code)
    if (code === undefined) return undefined
    return { code, message: String(error.message ?? ''), ...fieldOf(error.field) }
  }
  const flat = toCode(error)
  if (flat !== undefined) return { code: flat, message: String(body.message ?? ''), ...fieldOf(body.field) }
  if ('error_type' in body || 'error_message' in body) {
    const code = toCode(body.code)
    if (code !== undefined) return { code, message: String(body.error_message ?? body.error_type ?? '') }
  }
  return undefined
}

function fieldOf(field: unknown): { field?: string } {
  return typeof field === 'string' && field !== '' ? { field } : {}
}

/** The typed error for a Poster error code. */
export function posterErrorFor(
  found: { code: number; message: string; field?: string },
  context: Context,
): PosterError {
  if (found.code === 10 || found.code === 11 || found.code === 12) {
    return new PosterAuthError(found.code, found.message, context)
  }
  if (found.code === 20 || found.code === 54)
    return new PosterPermissionError(found.code, found.message, context)
  return new PosterApiError(found.code, found.message, found.field, context)
}
