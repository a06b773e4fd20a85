import { z } from 'zod'
import { restaurantParams } from '../restaurants/schemas'

export const idParams = restaurantParams.extend({ id: z.coerce.number().int().positive() })
export const sectionBody = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(100),
  position: z.number().int().min(0).max(10_000).default(0),
})
export const itemBody = z.object({
  sectionId: z.number().int().positive(),
  ingredientId: z.number().int().positive(),
  supplierId: z.number().int().positive().nullable().default(null),
  parLevel: z.number().min(0).max(1_000_000),
  position: z.number().int().min(0).max(10_000).default(0),
})

// Patches spell out their fields: a default inside .partial() would overwrite what the client left out.
export const sectionPatch = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(100).optional(),
  position: z.number().int().min(0).max(10_000).optional(),
})
export const itemPatch = z.object({
  parLevel: z.number().min(0).max(1_000_000).optional(),
  position: z.number().int().min(0).max(10_000).optional(),
  supplierId: z.number().int().positive().nullable().optional(),
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
