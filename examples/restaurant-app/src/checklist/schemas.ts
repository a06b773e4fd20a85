import { z } from 'zod'
import { posterId, rowId, rowIdText, text } from '../http/fields'
import { restaurantParams } from '../restaurants/schemas'

export const idParams = restaurantParams.extend({ id: rowIdText })
export const sectionBody = z.object({
  name: text(100, { trim: true, min: 1 }),
  position: z.number().int().min(0).max(10_000).default(0),
})
export const itemBody = z.object({
  sectionId: rowId,
  ingredientId: posterId,
  supplierId: posterId.nullable().default(null),
  parLevel: z.number().min(0).max(1_000_000),
  position: z.number().int().min(0).max(10_000).default(0),
})

// Patches spell out their fields: a default inside .partial() would overwrite what the client left out.
export const sectionPatch = z.object({
  name: text(100, { trim: true, min: 1 }).optional(),
  position: z.number().int().min(0).max(10_000).optional(),
})
export const itemPatch = z.object({
  parLevel: z.number().min(0).max(1_000_000).optional(),
  position: z.number().int().min(0).max(10_000).optional(),
  supplierId: posterId.nullable().optional(),
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
          unit: z.string().nullable(),
          left: z.number().describe('stock now, all storages'),
          suggestedOrder: z.number().describe('max(0, parLevel - left)'),
        }),
      ),
    }),
  ),
})
