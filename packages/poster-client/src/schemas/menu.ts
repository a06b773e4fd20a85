import { z } from 'zod'
import { listOf, num, text } from './coerce'
import { kopecks } from './money'

/** `menu.getIngredients` item (there is no `storage.getIngredients`). */
export const ingredientSchema = z.looseObject({
  ingredient_id: num,
  ingredient_name: z.string(),
  ingredient_barcode: text.nullish(),
  category_id: num.optional(),
  ingredient_left: num.optional(),
  limit_value: num.optional(),
  ingredient_unit: z.string().optional(),
  ingredient_weight: num.optional(),
  ingredients_type: num.optional(),
  partial_write_off: num.optional(),
  delete: num.optional(),
  hidden: num.optional(),
})

/**
 * `menu.getCategoriesIngredients` item. Poster's example names the field `name`, its field table
 * `category_name`: either is accepted and both come out.
 */
export const ingredientCategorySchema = z
  .looseObject({ category_id: num, name: z.string().optional(), category_name: z.string().optional() })
  .refine((c) => c.name !== undefined || c.category_name !== undefined, 'expected name or category_name')
  .transform((c) => {
    const name = (c.name ?? c.category_name) as string
    return { ...c, name, category_name: c.category_name ?? name }
  })

/** `menu.getCategories` item; `parent_category` 0 is the root. */
export const categorySchema = z.looseObject({
  category_id: num,
  category_name: z.string(),
  parent_category: num.optional(),
  category_hidden: num.optional(),
  sort_order: num.optional(),
})

/** A product's price and visibility at one spot; `price`, `profit`, `profit_netto` in kopecks. */
export const productSpotSchema = z.looseObject({
  spot_id: num,
  price: kopecks.optional(),
  profit: kopecks.optional(),
  profit_netto: kopecks.optional(),
  visible: num.optional(),
})

/** A modification of a product (`modifications`), with its own prices per spot. */
export const productModificationSchema = z.looseObject({
  modificator_id: num,
  modificator_name: z.string(),
  spots: z.array(productSpotSchema).optional(),
})

/**
 * `menu.getProducts` item; `type` 1 semi-finished (prepack), 2 dish, 3 product. Money in kopecks:
 * `cost`, `cost_netto`, the spot prices and the `price` / `profit` maps by spot id. The prices inside
 * `group_modifications` are passed through as sent: Poster documents neither the field nor its unit.
 */
export const productSchema = z.looseObject({
  product_id: num,
  product_name: z.string(),
  menu_category_id: num.optional(),
  category_name: z.string().optional(),
  type: num.optional(),
  unit: z.string().optional(),
  cost: kopecks.optional(),
  cost_netto: kopecks.optional(),
  hidden: num.optional(),
  ingredient_id: num.optional(),
  out: num.optional(),
  spots: z.array(productSpotSchema).optional(),
  price: z.record(z.string(), kopecks).optional(),
  profit: z.record(z.string(), kopecks).optional(),
  modifications: z.array(productModificationSchema).optional(),
})

export const ingredientsSchema = listOf(ingredientSchema)
export const ingredientCategoriesSchema = listOf(ingredientCategorySchema)
export const categoriesSchema = listOf(categorySchema)
export const productsSchema = listOf(productSchema)

export type PosterIngredient = z.output<typeof ingredientSchema>
export type PosterIngredientCategory = z.output<typeof ingredientCategorySchema>
export type PosterCategory = z.output<typeof categorySchema>
export type PosterProduct = z.output<typeof productSchema>
