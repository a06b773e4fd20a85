import { z } from 'zod'
import { countText, INT4_MAX, posterIdText } from '../http/fields'

export const listQuery = z.object({
  includeDeleted: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('also list items deleted in Poster'),
  limit: countText(1, 1000).default(200),
  offset: countText(0, INT4_MAX).default(0),
})

export const stockQuery = z.object({ storageId: posterIdText.optional() })

const nullableText = z.string().nullable()

/** One item of each synced list, by list name. */
export const inventoryItems = {
  suppliers: z.object({
    id: z.number().int(),
    name: z.string(),
    phone: nullableText,
    address: nullableText,
    comment: nullableText,
    tin: nullableText,
    deleted: z.boolean(),
  }),
  storages: z.object({ id: z.number().int(), name: z.string(), address: nullableText, deleted: z.boolean() }),
  categories: z.object({
    id: z.number().int(),
    name: z.string(),
    parentId: z.number().int().nullable(),
    hidden: z.boolean(),
    sortOrder: z.number().int(),
    deleted: z.boolean(),
  }),
  ingredients: z.object({
    id: z.number().int(),
    name: z.string(),
    unit: nullableText,
    categoryId: z.number().int().nullable(),
    limitValue: z.number(),
    left: z.number(),
    hidden: z.boolean(),
    deleted: z.boolean(),
  }),
  products: z.object({
    id: z.number().int(),
    name: z.string(),
    categoryId: z.number().int().nullable(),
    type: z.number().int().nullable().describe('1 prepack, 2 dish, 3 product'),
    unit: nullableText,
    costKopecks: z.number().nullable(),
    hidden: z.boolean(),
    deleted: z.boolean(),
  }),
} as const

export const stockItem = z.object({
  storageId: z.number().int(),
  ingredientId: z.number().int(),
  name: z.string(),
  unit: nullableText,
  quantity: z.number(),
  limitValue: z.number(),
  primeCost: z.number().nullable().describe('per unit, in currency units (Poster sends kopecks)'),
})
export const stockList = z.object({ items: z.array(stockItem) })
