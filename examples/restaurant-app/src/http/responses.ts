import { z } from 'zod'
import { errorBody } from './errors'

// Response schemas: they document the API in /openapi.json and shape what is sent (unknown fields are
// dropped, so nothing leaks by accident). Dates are sent as ISO strings.

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
  .describe('The plan limit was reached (see the RateLimit and X-RateLimit headers)')

/** Errors a tenant route can answer, on top of its own 2xx. */
export function tenantErrors<T extends Record<number, z.ZodType>>(ok: T) {
  return {
    ...ok,
    400: errorBody.describe('Invalid input: `fields` names each problem'),
    401: errorBody.describe('No valid session'),
    403: errorBody.describe('No membership in this restaurant, or too low a role'),
    404: errorBody.describe('Not found in this restaurant'),
    429: rateLimitBody,
  }
}

const nullableText = z.string().nullable()

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
})

export const section = z.object({ id: z.number().int(), name: z.string(), position: z.number().int() })
export const checklistItem = z.object({
  id: z.number().int(),
  sectionId: z.number().int(),
  ingredientId: z.number().int(),
  supplierId: z.number().int().nullable(),
  parLevel: z.number(),
  position: z.number().int(),
})
export const checklist = z.object({
  sections: z.array(
    section.extend({
      items: z.array(
        checklistItem.extend({
          name: z.string(),
          unit: nullableText,
          left: z.number().describe('stock now, all storages'),
          suggestedOrder: z.number().describe('max(0, parLevel - left)'),
        }),
      ),
    }),
  ),
})

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
export const order = z.object({
  ...orderFields,
  lines: z.array(
    z.object({ ingredientId: z.number().int(), name: z.string(), unit: nullableText, quantity: z.number() }),
  ),
})

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
      unit: nullableText,
      left: z.number(),
      limitValue: z.number(),
      shortBy: z.number(),
    }),
  ),
  computedAt: z.string(),
})

export const job = z.object({
  id: z.string(),
  name: z.string(),
  restaurantId: z.string().optional(),
  state: z.enum(['waiting', 'delayed', 'active', 'completed', 'failed']),
  progress: z.number().min(0).max(100),
  attempts: z.number().int(),
  failedReason: z.string().optional(),
  result: z.unknown().optional(),
  createdAt: z.number().describe('epoch ms'),
  finishedAt: z.number().optional(),
})

export const enqueued = z.object({
  jobId: z.string(),
  deduplicated: z.boolean().describe('true when the same sync was already pending: its id is returned'),
})

export const restaurantSummary = z.object({
  id: z.string(),
  name: z.string(),
  tier: z.string(),
  status: z.string(),
  active: z.boolean(),
  lastSyncAt: z.date().nullable(),
  lastError: nullableText,
  role: z.enum(['admin', 'manager', 'viewer']),
})

export const syncEvents = z.object({
  items: z.array(
    z.object({
      jobId: nullableText,
      kind: z.enum(['started', 'done', 'failed', 'retrying', 'token']),
      message: nullableText,
      at: z.date(),
    }),
  ),
})
