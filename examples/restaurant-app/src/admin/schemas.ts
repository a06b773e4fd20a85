import { defaultTenantIdSchema } from '@rc/tenant-db'
import { z } from 'zod'
import { text } from '../http/fields'
import { jobId } from '../sync/schemas'

export const restaurantId = z.object({ id: defaultTenantIdSchema })
export const jobParams = z.object({ jobId })
export const tierBody = z.object({ tier: text(64, { min: 1 }) })
