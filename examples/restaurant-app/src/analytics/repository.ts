import type { TenantDb } from '@rc/tenant-db'
import type { z } from 'zod'
import type { analytics } from './schemas'

export type AnalyticsFigures = Omit<z.output<typeof analytics>, 'computedAt'>

/** One query for the whole report (counts, stock value, orders by status, the 20 lowest stocks). */
export async function computeAnalytics(db: TenantDb, restaurantId: string): Promise<AnalyticsFigures> {
  const { rows } = await db.query<AnalyticsFigures>(
    restaurantId,
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
  return rows[0] as AnalyticsFigures
}
