import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { z } from 'zod'
import { tenantErrors } from '../http/error-responses'
import { restaurantParams } from '../restaurants/schemas'
import { tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { analytics } from './schemas'

/** The expensive report: charged to the `analysis` bucket, cached until inventory or orders change. */
export const analyticsRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  app.get(
    '/analytics',
    {
      config: { rateTiers: { bucket: 'analysis' } },
      schema: {
        tags: ['analytics'],
        summary: 'Stock value, low stock and open orders',
        params: restaurantParams,
        response: tenantErrors({ 200: analytics }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      return runtime.cached(tenant.id, 'analytics', ['inventory', 'orders'], async () => {
        const { rows } = await runtime.db.tenant.query<Omit<z.output<typeof analytics>, 'computedAt'>>(
          tenant.id,
          `SELECT
             (SELECT count(*)::int FROM ingredients WHERE NOT deleted) AS ingredients,
             (SELECT count(*)::int FROM suppliers WHERE NOT deleted) AS suppliers,
             (SELECT count(*)::int FROM products WHERE NOT deleted) AS products,
             (SELECT coalesce(sum(quantity * coalesce(prime_cost, 0)), 0)::float8 FROM stock_levels WHERE quantity > 0)
               AS "stockValue",
             (SELECT count(*)::int FROM stock_levels WHERE quantity < 0) AS "negativeStock",
             (SELECT coalesce(json_object_agg(status, n), '{}') FROM
               (SELECT status, count(*)::int AS n FROM supplier_orders GROUP BY status) o) AS "ordersByStatus",
             (SELECT coalesce(json_agg(l ORDER BY l."shortBy" DESC), '[]') FROM
               (SELECT poster_id AS id, name, unit, left_total::float8 AS "left", limit_value::float8 AS "limitValue",
                       (limit_value - left_total)::float8 AS "shortBy"
                FROM ingredients WHERE NOT deleted AND limit_value > 0 AND left_total < limit_value
                ORDER BY limit_value - left_total DESC LIMIT 20) l) AS "lowStock"`,
        )
        const row = rows[0] as Omit<z.output<typeof analytics>, 'computedAt'>
        return { ...row, computedAt: new Date().toISOString() }
      })
    },
  )
}
