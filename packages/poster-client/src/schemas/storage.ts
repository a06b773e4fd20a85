import { z } from 'zod'
import { listOf, num, text } from './coerce'

/** `storage.getStorages` item. `storage_adress` is Poster's spelling. */
export const storageSchema = z.looseObject({
  storage_id: num,
  storage_name: z.string(),
  storage_adress: text.nullish(),
  delete: num.optional(),
})

/** `storage.getSuppliers` item. `supplier_adress` is Poster's spelling. */
export const supplierSchema = z.looseObject({
  supplier_id: num,
  supplier_name: z.string(),
  supplier_phone: text.nullish(),
  supplier_adress: text.nullish(),
  supplier_comment: text.nullish(),
  supplier_code: text.nullish(),
  supplier_tin: text.nullish(),
  delete: num.optional(),
})

/** `storage.getStorageLeftovers` item; `ingredient_left` can be negative. */
export const leftoverSchema = z.looseObject({
  ingredient_id: num,
  ingredient_name: z.string(),
  ingredient_left: num,
  storage_ingredient_left: num.optional(),
  storage_id: num.optional(),
  limit_value: num.optional(),
  ingredient_unit: z.string().optional(),
  prime_cost: num.optional(),
})

/** `storage.getSupplies` item; `supply_sum` in kopecks, `date` as `Y-m-d H:i:s`. */
export const supplySchema = z.looseObject({
  supply_id: num,
  storage_id: num,
  supplier_id: num,
  date: z.string(),
  supply_sum: num.optional(),
  supply_comment: text.nullish(),
  delete: num.optional(),
})

export const storagesSchema = listOf(storageSchema)
export const suppliersSchema = listOf(supplierSchema)
export const leftoversSchema = listOf(leftoverSchema)
export const suppliesSchema = listOf(supplySchema)
/** `storage.createSupply` answers the new id as a number or a string. */
export const createdIdSchema = num

export type PosterStorage = z.output<typeof storageSchema>
export type PosterSupplier = z.output<typeof supplierSchema>
export type PosterLeftover = z.output<typeof leftoverSchema>
export type PosterSupply = z.output<typeof supplySchema>
