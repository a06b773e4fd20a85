import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { tenantErrors } from '../http/error-responses'
import { restaurantParams } from '../restaurants/schemas'
import { tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { inventoryItems, listQuery, type stockItem, stockList, stockQuery } from './schemas'

// Columns each synced list returns; all filtered by RLS to the current restaurant.
const LISTS = {
  suppliers: 'poster_id AS id, name, phone, address, comment, tin, deleted',
  storages: 'poster_id AS id, name, address, deleted',
  categories:
    'poster_id AS id, name, parent_poster_id AS "parentId", hidden, sort_order AS "sortOrder", deleted',
  ingredients:
    'poster_id AS id, name, unit, category_poster_id AS "categoryId", limit_value::float8 AS "limitValue", left_total::float8 AS "left", hidden, deleted',
  products:
    'poster_id AS id, name, category_poster_id AS "categoryId", type, unit, cost_kopecks::float8 AS "costKopecks", hidden, deleted',
} as const

/** Read-only lists synced from Poster, cached per restaurant until the next sync writes. */
export const inventoryRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  for (const [name, columns] of Object.entries(LISTS)) {
    app.get(
      `/${name}`,
      {
        schema: {
          tags: ['inventory'],
          summary: `List the restaurant's ${name} (synced from Poster)`,
          params: restaurantParams,
          querystring: listQuery,
          response: tenantErrors({
            200: z.object({ items: z.array(inventoryItems[name as keyof typeof LISTS]) }),
          }),
        },
      },
      async (request) => {
        const tenant = tenantOf(request)
        const { includeDeleted, limit, offset } = request.query
        const key = `${name}:${includeDeleted}:${limit}:${offset}`
        const items = await runtime.cached(tenant.id, key, ['inventory'], async () => {
          const { rows } = await runtime.db.tenant.query(
            tenant.id,
            `SELECT ${columns} FROM ${name} ${includeDeleted ? '' : 'WHERE NOT deleted'} ORDER BY poster_id LIMIT $1 OFFSET $2`,
            [limit, offset],
          )
          // Shaped by the SQL above; the response schema checks it on the way out.
          return rows as Array<z.output<(typeof inventoryItems)[keyof typeof LISTS]>>
        })
        return { items }
      },
    )
  }

  app.get(
    '/stock',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Stock per storage and ingredient at the last sync',
        params: restaurantParams,
        querystring: stockQuery,
        response: tenantErrors({ 200: stockList }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const storageId = request.query.storageId
      const items = await runtime.cached(
        tenant.id,
        `stock:${storageId ?? 'all'}`,
        ['inventory'],
        async () => {
          const { rows } = await runtime.db.tenant.query<z.output<typeof stockItem>>(
            tenant.id,
            `SELECT s.storage_poster_id AS "storageId", s.ingredient_poster_id AS "ingredientId", i.name, i.unit,
                  s.quantity::float8 AS quantity, i.limit_value::float8 AS "limitValue"
           FROM stock_levels s JOIN ingredients i
             ON i.restaurant_id = s.restaurant_id AND i.poster_id = s.ingredient_poster_id
           WHERE ($1::int IS NULL OR s.storage_poster_id = $1) ORDER BY s.storage_poster_id, i.name`,
            [storageId ?? null],
          )
          return rows
        },
      )
      return { items }
    },
  )
}
