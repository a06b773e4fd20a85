import { z } from 'zod'

export const restaurantParams = z.object({
  restaurantId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a restaurant id (letters, digits, _ and -)'),
})

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
