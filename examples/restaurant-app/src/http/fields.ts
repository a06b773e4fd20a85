import { z } from 'zod'

// Schemas for the values every feature takes from outside, so that what reaches PostgreSQL always fits
// its column: a value past a column's range or a NUL in text would otherwise be a 500 from the database.

/** PostgreSQL `integer`: Poster's ids (suppliers, ingredients, storages...). */
export const INT4_MAX = 2_147_483_647
/** Our own `bigint` identity ids, as far as a JavaScript number is exact. */
const ROW_ID_MAX = Number.MAX_SAFE_INTEGER

const DIGITS = /^[1-9][0-9]*$/

/** A positive id in a path or query string: plain digits only (`0x2`, `1e3`, `2 `, `+2` are refused). */
function idText(max: number) {
  return z
    .string()
    .regex(DIGITS, 'must be a positive integer written in digits')
    .max(String(max).length, `must be at most ${max}`)
    .transform(Number)
    .pipe(z.number().max(max, `must be at most ${max}`))
}

/** A Poster id (an `integer` column) in a path or query string. */
export const posterIdText = idText(INT4_MAX)
/** One of our row ids (a `bigint` identity column) in a path or query string. */
export const rowIdText = idText(ROW_ID_MAX)
/** A Poster id in a JSON body. */
export const posterId = z.number().int().positive().max(INT4_MAX)
/** One of our row ids in a JSON body. */
export const rowId = z.number().int().positive().max(ROW_ID_MAX)

/** A non-negative integer in a query string (`offset`, `limit`), plain digits only. */
export function countText(min: number, max: number) {
  return z
    .string()
    .regex(/^(0|[1-9][0-9]*)$/, 'must be an integer written in digits')
    .max(String(max).length, `must be at most ${max}`)
    .transform(Number)
    .pipe(z.number().min(min).max(max))
}

/** Text for a `text` column (PostgreSQL refuses NUL characters in it); `min: 1` after trimming for names. */
export function text(max: number, options: { trim?: boolean; min?: number } = {}) {
  const base = options.trim ? z.string().trim() : z.string()
  return base
    .min(options.min ?? 0, 'must not be empty')
    .max(max)
    .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters')
}
