import { z } from 'zod'
import { countText, posterId, rowIdText, text } from '../http/fields'
import { restaurantParams } from '../restaurants/schemas'

export const orderStatuses = ['draft', 'sent', 'received', 'cancelled'] as const
export type OrderStatus = (typeof orderStatuses)[number]

export const idParams = restaurantParams.extend({ id: rowIdText })
export const listQuery = z.object({
  status: z.enum(orderStatuses).optional(),
  limit: countText(1, 500).default(100),
})
export const createBody = z.object({
  supplierId: posterId,
  note: text(2_000).optional(),
  lines: z
    .array(z.object({ ingredientId: posterId, quantity: z.number().positive().max(1_000_000) }))
    .min(1, 'an order needs at least one line')
    .max(500)
    .refine(
      (lines) => new Set(lines.map((l) => l.ingredientId)).size === lines.length,
      'each ingredient may appear once',
    ),
})
export const statusBody = z.object({ status: z.enum(orderStatuses) })

const nullableText = z.string().nullable()
const orderFields = {
  id: z.number().int(),
  supplierId: z.number().int(),
  supplierName: z.string(),
  status: z.enum(['draft', 'sent', 'received', 'cancelled']),
  note: nullableText,
  createdBy: z.number().int(),
  createdAt: z.date(),
  updatedAt: z.date(),
}
export const orderSummary = z.object({ ...orderFields, lineCount: z.number().int() })
export const orderList = z.object({ items: z.array(orderSummary) })
export const order = z.object({
  ...orderFields,
  lines: z.array(
    z.object({ ingredientId: z.number().int(), name: z.string(), unit: nullableText, quantity: z.number() }),
  ),
})
export type Order = z.output<typeof order>
