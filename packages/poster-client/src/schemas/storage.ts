import { z } from 'zod'
import { listOf, num, text } from './coerce'
import { kopecks } from './money'

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

/** `ingredients_type` of a leftover row: Poster lists ingredients and products together. */
export const leftoverTypes = { ingredient: 1, product: 2 } as const

/**
 * `storage.getStorageLeftovers` item: an ingredient or a product (or product modifier), told apart by
 * `ingredients_type` ({@link leftoverTypes}). `ingredient_left` is the total over all storages and can
 * be negative; `storage_ingredient_left` and `storage_id` come only when the `storage_id` parameter is
 * sent. Money in kopecks: `prime_cost` per unit, `storage_ingredient_sum` for the whole quantity.
 */
export const leftoverSchema = z.looseObject({
  ingredient_id: num,
  ingredient_name: z.string(),
  ingredient_left: num,
  storage_ingredient_left: num.optional(),
  storage_id: num.optional(),
  limit_value: num.optional(),
  ingredient_unit: z.string().optional(),
  ingredients_type: num.optional(),
  storage_ingredient_sum: kopecks.optional(),
  storage_ingredient_sum_netto: kopecks.optional(),
  prime_cost: kopecks.optional(),
  prime_cost_netto: kopecks.optional(),
  hidden: num.optional(),
})

/**
 * `storage.getSupplies` item; `supply_sum` and `supply_sum_netto` in kopecks, `date` as
 * `Y-m-d H:i:s`; a deleted supply stays listed with `delete: 1`.
 */
export const supplySchema = z.looseObject({
  supply_id: num,
  storage_id: num,
  supplier_id: num,
  date: z.string(),
  supply_sum: kopecks.optional(),
  supply_sum_netto: kopecks.optional(),
  supply_comment: text.nullish(),
  storage_name: z.string().nullish(),
  supplier_name: z.string().nullish(),
  delete: num.optional(),
  /** The finance account the supply was paid from. */
  account_id: num.nullish(),
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
