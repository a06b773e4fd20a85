import { defaultTenantIdSchema } from '@rc/tenant-db'
import { z } from 'zod'

/** A restaurant id is a tenant id: the rule @rc/tenant-db enforces before any query. */
export const restaurantParams = z.object({ restaurantId: defaultTenantIdSchema })

export const restaurantSummary = z.object({
  id: z.string(),
  name: z.string(),
  tier: z.string(),
  status: z.string(),
  active: z.boolean(),
  lastSyncAt: z.date().nullable(),
  lastError: z.string().nullable(),
  role: z.enum(['admin', 'manager', 'viewer']),
})
