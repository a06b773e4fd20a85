import { z } from 'zod'

export const restaurantId = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) })
export const jobParams = z.object({ jobId: z.string().max(200) })
export const tierBody = z.object({ tier: z.string().min(1) })
