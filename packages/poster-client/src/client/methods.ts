import { z } from 'zod'
import { PosterError } from '../errors'
import { spotsSchema } from '../schemas/access'
import {
  categoriesSchema,
  ingredientCategoriesSchema,
  ingredientsSchema,
  productsSchema,
} from '../schemas/menu'
import type { CurrencyUnits } from '../schemas/money'
import { settingsSchema } from '../schemas/settings'
import { createdIdSchema, leftoversSchema, storagesSchema, suppliersSchema } from '../schemas/storage'
import type { PosterClient } from './create-client'
import type { CallOptions } from './options'
import { type PosterParams, toPosterDateTime } from './query'
import { type GetSuppliesParams, type SuppliesQuery, suppliesQuery } from './supplies'

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
        /** Price per unit in currency units (not kopecks), the one money field Poster takes so. */
        sum: z.number().nonnegative(),
      }),
    )
    .min(1),
})

type SupplyLine = z.input<typeof createSupplyInputSchema>['ingredient'][number]

/**
 * Input of `storage.createSupply`. Each line's `sum` is the price per unit in currency units: a
 * `Kopecks` value (such as a synced `prime_cost`) does not compile there; convert it with
 * `toCurrencyUnits` first.
 */
export type CreateSupplyInput = Omit<z.input<typeof createSupplyInputSchema>, 'ingredient'> & {
  ingredient: Array<Omit<SupplyLine, 'sum'> & { sum: CurrencyUnits }>
}

export type { GetSuppliesParams, SuppliesQuery } from './supplies'

/** Filters of `storage.getStorageLeftovers`. */
export interface GetLeftoversParams {
  /** One storage: rows then carry `storage_ingredient_left` and `storage_id`. Default all storages. */
  storage_id?: number
  /** 1 product, 2 manufactured dish, 3 semi-finished product, 4 ingredient, 5 product modifier. */
  type?: 1 | 2 | 3 | 4 | 5
  category_id?: number
  /** Include zero leftovers (sent as Poster documents it, `true`). Default false. */
  zero_leftovers?: boolean
}

/** Typed Poster methods, grouped by section as in Poster's URLs. */
export interface PosterMethods {
  storage: {
    getStorages(options?: CallOptions): Out<typeof storagesSchema>
    getSuppliers(options?: CallOptions): Out<typeof suppliersSchema>
    getStorageLeftovers(params?: GetLeftoversParams, options?: CallOptions): Out<typeof leftoversSchema>
    /** One call when awaited; a walk over date ranges when iterated (see {@link SuppliesQuery}). */
    getSupplies(params?: GetSuppliesParams, options?: CallOptions): SuppliesQuery
    /** Creates a supply and returns its id. Not retried unless `options.idempotent`. */
    createSupply(input: CreateSupplyInput, options?: CallOptions): Promise<number>
    /** Deletes a supply (it stays listed with `delete: 1`). Poster answers `{"success":1}` alone. */
    deleteSupply(supplyId: number, options?: CallOptions): Promise<void>
  }
  menu: {
    getIngredients(options?: CallOptions): Out<typeof ingredientsSchema>
    getCategoriesIngredients(options?: CallOptions): Out<typeof ingredientCategoriesSchema>
    getCategories(options?: CallOptions): Out<typeof categoriesSchema>
    getProducts(
      params?: { category_id?: number; type?: 'products' | 'batchtickets' },
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

function invalidInput(method: string, what: string, issues: z.core.$ZodIssue[]): PosterError {
  return new PosterError(
    'POSTER_INVALID_ARGUMENT',
    `${what} is invalid: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
    { method },
  )
}

function leftoverParams(p: GetLeftoversParams | undefined): PosterParams | undefined {
  if (!p) return undefined
  const { zero_leftovers, ...rest } = p
  // Poster documents `true`; PHP reads the string "false" as true, so false is left out.
  return zero_leftovers ? { ...rest, zero_leftovers: 'true' } : rest
}

export function posterMethods(call: PosterClient['call']): PosterMethods {
  return {
    storage: {
      getStorages: (o) => call('storage.getStorages', undefined, storagesSchema, o),
      getSuppliers: (o) => call('storage.getSuppliers', undefined, suppliersSchema, o),
      getStorageLeftovers: (p, o) =>
        call('storage.getStorageLeftovers', leftoverParams(p), leftoversSchema, o),
      getSupplies: (p, o) => suppliesQuery(call, p, o),
      async createSupply(input, o) {
        const parsed = createSupplyInputSchema.safeParse(input)
        if (!parsed.success)
          throw invalidInput('storage.createSupply', 'createSupply input', parsed.error.issues)
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
      async deleteSupply(supplyId, o) {
        const parsed = z.number().int().positive().safeParse(supplyId)
        if (!parsed.success) throw invalidInput('storage.deleteSupply', 'supplyId', parsed.error.issues)
        await call('storage.deleteSupply', { supply_id: parsed.data }, z.unknown(), {
          ...o,
          httpMethod: 'POST',
        })
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
