import type { TenantDb, TenantTx } from '@rc/tenant-db'
import type { z } from 'zod'
import type { Order, OrderStatus, orderSummary } from './schemas'
import { loadOutbox } from './supply-outbox'

const ORDER_COLUMNS = `o.id::int, o.supplier_poster_id AS "supplierId", s.name AS "supplierName", o.status, o.note,
  o.created_by::int AS "createdBy", o.created_at AS "createdAt", o.updated_at AS "updatedAt"`

/** Newest first, with their line counts. */
export async function listOrders(
  db: TenantDb,
  restaurantId: string,
  filter: { status?: OrderStatus | undefined; limit: number },
): Promise<Array<z.output<typeof orderSummary>>> {
  const { rows } = await db.query<z.output<typeof orderSummary>>(
    restaurantId,
    `SELECT ${ORDER_COLUMNS}, (SELECT count(*)::int FROM supplier_order_lines l WHERE l.restaurant_id = o.restaurant_id AND l.order_id = o.id) AS "lineCount"
         FROM supplier_orders o JOIN suppliers s ON s.restaurant_id = o.restaurant_id AND s.poster_id = o.supplier_poster_id
         WHERE ($1::text IS NULL OR o.status = $1) ORDER BY o.created_at DESC, o.id DESC LIMIT $2`,
    [filter.status ?? null, filter.limit],
  )
  return rows
}

/** The order with its lines, inside the caller's tenant transaction. */
export async function loadOrder(tx: TenantTx, id: number): Promise<Order | undefined> {
  const { rows } = await tx.query<Omit<Order, 'lines' | 'posterSupply'> & { restaurantId: string }>(
    `SELECT ${ORDER_COLUMNS}, o.restaurant_id AS "restaurantId" FROM supplier_orders o
     JOIN suppliers s ON s.restaurant_id = o.restaurant_id AND s.poster_id = o.supplier_poster_id WHERE o.id = $1`,
    [id],
  )
  if (!rows[0]) return undefined
  const { restaurantId, ...row } = rows[0]
  const outbox = await loadOutbox(tx, id)
  const { rows: lines } = await tx.query<Order['lines'][number]>(
    `SELECT l.ingredient_poster_id AS "ingredientId", i.name, i.unit, l.quantity::float8 AS quantity
     FROM supplier_order_lines l JOIN ingredients i ON i.restaurant_id = l.restaurant_id AND i.poster_id = l.ingredient_poster_id
     WHERE l.order_id = $1 ORDER BY i.name`,
    [id],
  )
  const posterSupply = outbox
    ? {
        state: outbox.state,
        supplyId: outbox.posterSupplyId,
        attempts: outbox.attempts,
        error: outbox.lastError,
        updatedAt: outbox.updatedAt,
        retry:
          outbox.state === 'failed' ? `/api/restaurants/${restaurantId}/orders/${id}/poster-supply` : null,
      }
    : null
  return { ...row, lines, posterSupply }
}

/** A draft order and its lines in one transaction; a missing supplier or ingredient fails with 23503. */
export function createOrder(
  db: TenantDb,
  restaurantId: string,
  input: {
    supplierId: number
    note?: string | undefined
    lines: Array<{ ingredientId: number; quantity: number }>
    createdBy: number
  },
): Promise<Order | undefined> {
  return db.withTenant(restaurantId, async (tx) => {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO supplier_orders (restaurant_id, supplier_poster_id, note, created_by) VALUES ($1, $2, $3, $4) RETURNING id::int`,
      [restaurantId, input.supplierId, input.note ?? null, input.createdBy],
    )
    const id = (rows[0] as { id: number }).id
    await tx.query(
      `INSERT INTO supplier_order_lines (restaurant_id, order_id, ingredient_poster_id, quantity)
             SELECT $1, $2, x."ingredientId", x.quantity FROM jsonb_to_recordset($3::jsonb) AS x("ingredientId" int, quantity numeric)`,
      [restaurantId, id, JSON.stringify(input.lines)],
    )
    return loadOrder(tx, id)
  })
}

/** The order's status, its row locked until the transaction ends; undefined if there is no such order. */
export async function lockOrderStatus(tx: TenantTx, id: number): Promise<OrderStatus | undefined> {
  const { rows } = await tx.query<{ status: OrderStatus }>(
    'SELECT status FROM supplier_orders WHERE id = $1 FOR UPDATE',
    [id],
  )
  return rows[0]?.status
}

export async function updateOrderStatus(tx: TenantTx, id: number, status: OrderStatus): Promise<void> {
  await tx.query('UPDATE supplier_orders SET status = $2, updated_at = now() WHERE id = $1', [id, status])
}
