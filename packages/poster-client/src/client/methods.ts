import { z } from 'zod'
import { PosterError } from '../errors'
import { spotsSchema } from '../schemas/access'
import {
  categoriesSchema,
  ingredientCategoriesSchema,
  ingredientsSchema,
  productsSchema,
} from '../schemas/menu'
import { settingsSchema } from '../schemas/settings'
import {
  createdIdSchema,
  leftoversSchema,
  storagesSchema,
  suppliersSchema,
  suppliesSchema,
} from '../schemas/storage'
import type { PosterClient } from './create-client'
import type { CallOptions } from './options'
import { type PosterParams, toPosterDateTime } from './query'

type Out<S extends z.ZodType> = Promise<z.output<S>>

/** Input of `storage.createSupply`, Poster's documented body. */
export const createSupplyInputSchema = z.object({
  supply: z.object({
    /** `Y-m-d H:i:s` or a Date (sent in UTC). */
    date: z.union([z.string().regex(/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/), z.date()]),
    supplier_id: z.number().int().positive(),
    storage_id: z.number().int().positive(),
    supply_comment: z.string().optional(),
  }),
  ingredient: z
    .array(
      z.object({
        id: z.number().int().positive(),
        /** 1 product, 4 ingredient, 5 modifier. */
        type: z.union([z.literal(1), z.literal(4), z.literal(5)]),
        num: z.number().positive(),
        /** Price per unit in currency units (not kopecks). */
        sum: z.number().nonnegative(),
      }),
    )
    .min(1),
})

export type CreateSupplyInput = z.input<typeof createSupplyInputSchema>

/** Filters of `storage.getSupplies`; dates as `Ymd` strings or Dates (UTC). */
export interface GetSuppliesParams {
  dateFrom?: string | Date
  dateTo?: string | Date
  limit?: number
  offset?: number
}

/** Filters of `storage.getStorageLeftovers`. */
export interface GetLeftoversParams {
  storage_id?: number
  /** Include zero leftovers (true) or not. */
  zero_leftovers?: boolean
}

/** Typed Poster methods, grouped by section as in Poster's URLs. */
export interface PosterMethods {
  storage: {
    getStorages(options?: CallOptions): Out<typeof storagesSchema>
    getSuppliers(options?: CallOptions): Out<typeof suppliersSchema>
    getStorageLeftovers(params?: GetLeftoversParams, options?: CallOptions): Out<typeof leftoversSchema>
    getSupplies(params?: GetSuppliesParams, options?: CallOptions): Out<typeof suppliesSchema>
    /** Creates a supply and returns its id. Not retried unless `options.idempotent`. */
    createSupply(input: CreateSupplyInput, options?: CallOptions): Promise<number>
  }
  menu: {
    getIngredients(options?: CallOptions): Out<typeof ingredientsSchema>
    getCategoriesIngredients(options?: CallOptions): Out<typeof ingredientCategoriesSchema>
    getCategories(options?: CallOptions): Out<typeof categoriesSchema>
    getProducts(
      params?: { category_id?: number; type?: string },
      options?: CallOptions,
    ): Out<typeof productsSchema>
  }
  access: {
    getSpots(options?: CallOptions): Out<typeof spotsSchema>
  }
  settings: {
    getAllSettings(options?: CallOptions): Out<typeof settingsSchema>
  }
}

export function posterMethods(call: PosterClient['call']): PosterMethods {
  return {
    storage: {
      getStorages: (o) => call('storage.getStorages', undefined, storagesSchema, o),
      getSuppliers: (o) => call('storage.getSuppliers', undefined, suppliersSchema, o),
      getStorageLeftovers: (p, o) =>
        call('storage.getStorageLeftovers', p as PosterParams, leftoversSchema, o),
      getSupplies: (p, o) => call('storage.getSupplies', p as PosterParams, suppliesSchema, o),
      async createSupply(input, o) {
        const parsed = createSupplyInputSchema.safeParse(input)
        if (!parsed.success) {
          throw new PosterError(
            'POSTER_INVALID_ARGUMENT',
            `createSupply input is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
            { method: 'storage.createSupply' },
          )
        }
        const { supply, ingredient } = parsed.data
        const body = {
          supply: {
            ...supply,
            date: supply.date instanceof Date ? toPosterDateTime(supply.date) : supply.date,
          },
          ingredient,
        }
        return call('storage.createSupply', body, createdIdSchema, { ...o, httpMethod: 'POST' })
      },
    },
    menu: {
      getIngredients: (o) => call('menu.getIngredients', undefined, ingredientsSchema, o),
      getCategoriesIngredients: (o) =>
        call('menu.getCategoriesIngredients', undefined, ingredientCategoriesSchema, o),
      getCategories: (o) => call('menu.getCategories', undefined, categoriesSchema, o),
      getProducts: (p, o) => call('menu.getProducts', p, productsSchema, o),
    },
    access: { getSpots: (o) => call('access.getSpots', undefined, spotsSchema, o) },
    settings: { getAllSettings: (o) => call('settings.getAllSettings', undefined, settingsSchema, o) },
  }
}
