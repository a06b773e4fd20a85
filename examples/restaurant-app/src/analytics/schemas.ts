import { z } from 'zod'

export const analytics = z.object({
  ingredients: z.number().int(),
  suppliers: z.number().int(),
  products: z.number().int(),
  stockValue: z.number().describe('sum of positive stock x prime cost, currency units'),
  negativeStock: z.number().int(),
  ordersByStatus: z.record(z.string(), z.number().int()),
  lowStock: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      unit: z.string().nullable(),
      left: z.number(),
      limitValue: z.number(),
      shortBy: z.number(),
    }),
  ),
  computedAt: z.string(),
})
