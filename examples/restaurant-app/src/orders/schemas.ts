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
export const statusBody = z.object({
  status: z.enum(orderStatuses),
  /** On `received`: the storage the delivery went into. Default the restaurant's first storage. */
  storageId: posterId.optional(),
  /** On `received`: invoice prices per unit, in currency units. Default the last synced prime cost. */
  prices: z
    .array(
      z.object({
        ingredientId: posterId,
        unitPrice: z.number().nonnegative().max(100_000_000),
      }),
    )
    .max(500)
    .optional(),
})

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
/** Where a received order stands in Poster. */
export const posterSupply = z
  .object({
    state: z
      .enum(['pending', 'sending', 'unknown', 'done', 'failed'])
      .describe(
        'pending: queued; sending: a worker is at it; unknown: its answer was lost, it is being checked; done: the supply exists; failed: Poster refused it',
      ),
    supplyId: z.number().int().nullable().describe("Poster's supply id, once done"),
    attempts: z.number().int(),
    error: nullableText.describe('why the last attempt did not finish it'),
    updatedAt: z.date(),
    retry: z.string().nullable().describe('POST here to send a failed supply again'),
  })
  .nullable()
  .describe('null until the order is received')

export const order = z.object({
  ...orderFields,
  lines: z.array(
    z.object({ ingredientId: z.number().int(), name: z.string(), unit: nullableText, quantity: z.number() }),
  ),
  posterSupply,
})
export type Order = z.output<typeof order>
