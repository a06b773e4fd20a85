import { z } from 'zod'

/**
 * A number that Poster may send as `443.45`, `"443.45000"` or `"-2"`; parsed to a number.
 * Empty strings are rejected: a numeric field that comes back empty is a shape change worth seeing.
 */
export const num = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^-?\d+(\.\d+)?$/, 'expected a numeric string'),
  ])
  .transform((value) => Number(value))

/** Text that Poster sometimes sends as a number (phones, codes, tax ids): kept as a string. */
export const text = z.union([z.string(), z.number()]).transform((value) => String(value))

/** A list method's answer; `response: false` (Poster's "nothing found") reads as an empty list. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.union([z.array(item), z.literal(false).transform((): z.output<T>[] => [])])
}
