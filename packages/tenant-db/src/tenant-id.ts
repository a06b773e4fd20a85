import { TENANT_ID_PATTERN, TENANT_ID_RULE } from '@rc/internal'
import { z } from 'zod'
import { TenantIdError } from './errors'

/**
 * The default tenant id shape: 1 to 64 letters, digits, `_` or `-`. Poster
 * account ids (`245580`), UUIDs and slugs all fit; quotes, spaces, `;` and
 * backslashes never reach the server.
 */
export const defaultTenantIdSchema: z.ZodType<string> = z.string().regex(TENANT_ID_PATTERN, TENANT_ID_RULE)

/** Runs `schema` on `input` (the value of setting `key`); anything that fails becomes a `TenantIdError`. */
export function parseTenantId(schema: z.ZodType<string>, input: unknown, key = 'tenant'): string {
  const result = schema.safeParse(input)
  if (!result.success)
    throw new TenantIdError(
      result.error.issues.map((issue) => issue.message),
      result.error,
      key,
    )
  if (typeof result.data !== 'string' || result.data.length === 0) {
    throw new TenantIdError([`the ${key} schema must produce a non-empty string`], undefined, key)
  }
  return result.data
}
