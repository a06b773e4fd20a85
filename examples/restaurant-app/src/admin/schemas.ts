import { defaultTenantIdSchema } from '@rc/tenant-db'
import { z } from 'zod'

export const restaurantId = z.object({ id: defaultTenantIdSchema })
export const jobParams = z.object({ jobId: z.string().max(200) })
export const tierBody = z.object({ tier: z.string().min(1) })
