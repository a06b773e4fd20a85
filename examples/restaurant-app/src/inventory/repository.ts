import type { TenantDb } from '@rc/tenant-db'
import type { z } from 'zod'
import type { inventoryItems, stockItem } from './schemas'

// Columns each synced list returns; all filtered by RLS to the current restaurant.
export const LIST_COLUMNS = {
  suppliers: 'poster_id AS id, name, phone, address, comment, tin, deleted',
  storages: 'poster_id AS id, name, address, deleted',
  categories:
    'poster_id AS id, name, parent_poster_id AS "parentId", hidden, sort_order AS "sortOrder", deleted',
  ingredients:
    'poster_id AS id, name, unit, category_poster_id AS "categoryId", limit_value::float8 AS "limitValue", left_total::float8 AS "left", hidden, deleted',
  products:
    'poster_id AS id, name, category_poster_id AS "categoryId", type, unit, cost_kopecks::float8 AS "costKopecks", hidden, deleted',
} as const

/** A list synced from Poster; its table has the list's name. */
export type ListName = keyof typeof LIST_COLUMNS

export async function listSynced(
  db: TenantDb,
  restaurantId: string,
  name: ListName,
  page: { includeDeleted: boolean; limit: number; offset: number },
): Promise<Array<z.output<(typeof inventoryItems)[ListName]>>> {
  const { includeDeleted, limit, offset } = page
  const { rows } = await db.query(
    restaurantId,
    `SELECT ${LIST_COLUMNS[name]} FROM ${name} ${includeDeleted ? '' : 'WHERE NOT deleted'} ORDER BY poster_id LIMIT $1 OFFSET $2`,
    [limit, offset],
  )
  // Shaped by the SQL above; the response schema checks it on the way out.
  return rows as Array<z.output<(typeof inventoryItems)[ListName]>>
}

/** Stock per storage and ingredient at the last sync, in one storage or all. */
export async function listStock(
  db: TenantDb,
  restaurantId: string,
  storageId: number | undefined,
): Promise<Array<z.output<typeof stockItem>>> {
  const { rows } = await db.query<z.output<typeof stockItem>>(
    restaurantId,
    `SELECT s.storage_poster_id AS "storageId", s.ingredient_poster_id AS "ingredientId", i.name, i.unit,
                  s.quantity::float8 AS quantity, i.limit_value::float8 AS "limitValue",
                  s.prime_cost::float8 AS "primeCost"
           FROM stock_levels s JOIN ingredients i
             ON i.restaurant_id = s.restaurant_id AND i.poster_id = s.ingredient_poster_id
           WHERE ($1::int IS NULL OR s.storage_poster_id = $1) ORDER BY s.storage_poster_id, i.name`,
    [storageId ?? null],
  )
  return rows
}
