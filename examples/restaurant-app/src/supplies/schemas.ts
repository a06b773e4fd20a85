import { z } from 'zod'
import { countText } from '../http/fields'

export const suppliesQuery = z.object({
  days: countText(1, 92).default(30).describe('how far back, in days (today included)'),
  limit: countText(1, 200).default(50),
})

export const supplyItem = z.object({
  id: z.number().int().describe("Poster's supply id"),
  date: z.string().describe('Y-m-d H:i:s, as Poster keeps it'),
  storageId: z.number().int(),
  storageName: z.string().nullable(),
  supplierId: z.number().int(),
  supplierName: z.string().nullable(),
  sum: z.number().describe('the supply total in currency units (Poster sends kopecks)'),
  comment: z.string().nullable(),
  deleted: z.boolean(),
  orderId: z.number().int().nullable().describe('the order of this app that became this supply, if one did'),
})

export const supplyList = z.object({ items: z.array(supplyItem) })
