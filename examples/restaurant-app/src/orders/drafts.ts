import type { TenantDb } from '@rc/tenant-db'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { z } from 'zod'
import { tenantErrors } from '../http/error-responses'
import { errorBody, HttpError, notFound } from '../http/errors'
import { tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { loadOrder, lockOrderStatus } from './repository'
import { createBody, idParams, order, orderStatuses } from './schemas'

// Editing a draft before it is sent: its lines are replaced as a whole (what the order page submits).

export const linesBody = createBody.pick({ lines: true })

/** How many orders the restaurant has in each status (all four, zeros included). */
export async function countOrdersByStatus(db: TenantDb, restaurantId: string) {
  const { rows } = await db.query<{ status: string; n: number }>(
    restaurantId,
    'SELECT status, count(*)::int AS n FROM supplier_orders GROUP BY status',
  )
  const counts = Object.fromEntries(orderStatuses.map((s) => [s, 0])) as Record<
    (typeof orderStatuses)[number],
    number
  >
  for (const row of rows) counts[row.status as keyof typeof counts] = row.n
  return counts
}

/** Ingredients an order line may name (not deleted in Poster), by name. */
export async function orderableIngredients(db: TenantDb, restaurantId: string) {
  const { rows } = await db.query<{ id: number; name: string; unit: string | null }>(
    restaurantId,
    'SELECT poster_id AS id, name, unit FROM ingredients WHERE NOT deleted ORDER BY name, poster_id',
  )
  return rows
}

export const draftRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const db = runtime.db.tenant
  app.put(
    '/orders/:id/lines',
    {
      config: { minRole: 'manager' },
      schema: {
        tags: ['orders'],
        summary: "Replace a draft order's lines",
        params: idParams,
        body: linesBody,
        response: tenantErrors({ 200: order, 409: errorBody }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const id = request.params.id
      const updated = await db
        .withTenant(tenant.id, async (tx) => {
          const status = await lockOrderStatus(tx, id)
          if (!status) throw notFound(`Order ${id}`)
          if (status !== 'draft')
            throw new HttpError(
              409,
              'ORDER_NOT_DRAFT',
              `Order ${id} is ${status}: only a draft's lines can change.`,
            )
          await tx.query('DELETE FROM supplier_order_lines WHERE order_id = $1', [id])
          await tx.query(
            `INSERT INTO supplier_order_lines (restaurant_id, order_id, ingredient_poster_id, quantity)
             SELECT $1, $2, x."ingredientId", x.quantity FROM jsonb_to_recordset($3::jsonb) AS x("ingredientId" int, quantity numeric)`,
            [tenant.id, id, JSON.stringify(request.body.lines)],
          )
          await tx.query('UPDATE supplier_orders SET updated_at = now() WHERE id = $1', [id])
          return loadOrder(tx, id)
        })
        .catch((error: { code?: string }) => {
          if (error.code === '23503')
            throw new HttpError(400, 'UNKNOWN_REFERENCE', 'An ingredient does not exist in this restaurant.')
          throw error
        })
      await runtime.invalidate(tenant.id, ['orders'])
      return updated as z.output<typeof order>
    },
  )
}
