import { z } from 'zod'
import { errorBody } from './errors'

// Response schemas (these, and each feature's schemas.ts): they document the API in /openapi.json and
// shape what is sent (unknown fields are dropped, so nothing leaks by accident). Dates are sent as ISO strings.

const rateLimitBody = z
  .looseObject({
    error: z.string(),
    code: z.literal('RATE_LIMIT_EXCEEDED'),
    message: z.string(),
    retryAfter: z.number().describe('seconds'),
    tier: z.string(),
    bucket: z.string(),
    limits: z.looseObject({}),
    upgradeUrl: z.string().optional(),
  })
  .describe(
    "The plan limit, or the caller's share of it (`scope: 'user'`), was reached (see the RateLimit and X-RateLimit headers)",
  )

/** Errors a tenant route can answer, on top of its own 2xx. */
export function tenantErrors<T extends Record<number, z.ZodType>>(ok: T) {
  return {
    400: errorBody.describe('Invalid input: `fields` names each problem'),
    401: errorBody.describe('No valid session'),
    403: errorBody.describe('No membership in this restaurant, or too low a role'),
    404: errorBody.describe('Not found in this restaurant'),
    429: rateLimitBody,
    503: errorBody.describe('The session store (or the job queue) is not answering: retry after Retry-After'),
    ...ok,
  }
}
