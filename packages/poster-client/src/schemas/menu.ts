import { z } from 'zod'
import { listOf, num, text } from './coerce'

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

/** `menu.getCategoriesIngredients` item. */
export const ingredientCategorySchema = z.looseObject({ category_id: num, name: z.string() })

/** `menu.getCategories` item; `parent_category` 0 is the root. */
export const categorySchema = z.looseObject({
  category_id: num,
  category_name: z.string(),
  parent_category: num.optional(),
  category_hidden: num.optional(),
  sort_order: num.optional(),
})

/** A product's price and visibility at one spot; `price` in kopecks. */
export const productSpotSchema = z.looseObject({
  spot_id: num,
  price: num.optional(),
  visible: num.optional(),
})

/** `menu.getProducts` item; `type` 1 prepack, 2 dish, 3 product; `cost` in kopecks. */
export const productSchema = z.looseObject({
  product_id: num,
  product_name: z.string(),
  menu_category_id: num.optional(),
  category_name: z.string().optional(),
  type: num.optional(),
  unit: z.string().optional(),
  cost: num.optional(),
  hidden: num.optional(),
  ingredient_id: num.optional(),
  out: num.optional(),
  spots: z.array(productSpotSchema).optional(),
})

export const ingredientsSchema = listOf(ingredientSchema)
export const ingredientCategoriesSchema = listOf(ingredientCategorySchema)
export const categoriesSchema = listOf(categorySchema)
export const productsSchema = listOf(productSchema)

export type PosterIngredient = z.output<typeof ingredientSchema>
export type PosterIngredientCategory = z.output<typeof ingredientCategorySchema>
export type PosterCategory = z.output<typeof categorySchema>
export type PosterProduct = z.output<typeof productSchema>
