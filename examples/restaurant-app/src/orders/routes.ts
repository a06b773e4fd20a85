import type { TenantTx } from '@rc/tenant-db'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { z } from 'zod'
import { tenantErrors } from '../http/error-responses'
import { errorBody, HttpError, notFound } from '../http/errors'
import { restaurantParams } from '../restaurants/schemas'
import { tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import {
  createBody,
  idParams,
  listQuery,
  type Order,
  type OrderStatus,
  order,
  orderList,
  type orderSummary,
  statusBody,
} from './schemas'

// The only moves an order can make; everything else is a 409.
const transitions: Record<OrderStatus, readonly OrderStatus[]> = {
  draft: ['sent', 'cancelled'],
  sent: ['received', 'cancelled'],
  received: [],
  cancelled: [],
}

const ORDER_COLUMNS = `o.id::int, o.supplier_poster_id AS "supplierId", s.name AS "supplierName", o.status, o.note,
  o.created_by::int AS "createdBy", o.created_at AS "createdAt", o.updated_at AS "updatedAt"`

async function loadOrder(tx: TenantTx, id: number): Promise<Order | undefined> {
  const { rows } = await tx.query<Omit<Order, 'lines'>>(
    `SELECT ${ORDER_COLUMNS} FROM supplier_orders o
     JOIN suppliers s ON s.restaurant_id = o.restaurant_id AND s.poster_id = o.supplier_poster_id WHERE o.id = $1`,
    [id],
  )
  if (!rows[0]) return undefined
  const { rows: lines } = await tx.query<Order['lines'][number]>(
    `SELECT l.ingredient_poster_id AS "ingredientId", i.name, i.unit, l.quantity::float8 AS quantity
     FROM supplier_order_lines l JOIN ingredients i ON i.restaurant_id = l.restaurant_id AND i.poster_id = l.ingredient_poster_id
     WHERE l.order_id = $1 ORDER BY i.name`,
    [id],
  )
  return { ...rows[0], lines }
}

/** Supplier orders: create with lines, list by status, move through draft → sent → received. */
export const orderRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const db = runtime.db.tenant
  const tags = { tags: ['orders'] }

  app.get(
    '/orders',
    {
      schema: {
        ...tags,
        summary: 'List supplier orders, newest first',
        params: restaurantParams,
        querystring: listQuery,
        response: tenantErrors({ 200: orderList }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const { rows } = await db.query<z.output<typeof orderSummary>>(
        tenant.id,
        `SELECT ${ORDER_COLUMNS}, (SELECT count(*)::int FROM supplier_order_lines l WHERE l.restaurant_id = o.restaurant_id AND l.order_id = o.id) AS "lineCount"
         FROM supplier_orders o JOIN suppliers s ON s.restaurant_id = o.restaurant_id AND s.poster_id = o.supplier_poster_id
         WHERE ($1::text IS NULL OR o.status = $1) ORDER BY o.created_at DESC, o.id DESC LIMIT $2`,
        [request.query.status ?? null, request.query.limit],
      )
      return { items: rows }
    },
  )

  app.get(
    '/orders/:id',
    {
      schema: {
        ...tags,
        summary: 'One order with its lines',
        params: idParams,
        response: tenantErrors({ 200: order }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const order = await db.withTenant(tenant.id, (tx) => loadOrder(tx, request.params.id))
      if (!order) throw notFound(`Order ${request.params.id}`)
      return order
    },
  )

  app.post(
    '/orders',
    {
      config: { minRole: 'manager' },
      schema: {
        ...tags,
        summary: 'Create a draft order for one supplier',
        params: restaurantParams,
        body: createBody,
        response: tenantErrors({ 201: order }),
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request)
      const body = request.body
      const order = await db
        .withTenant(tenant.id, async (tx) => {
          const { rows } = await tx.query<{ id: number }>(
            `INSERT INTO supplier_orders (restaurant_id, supplier_poster_id, note, created_by) VALUES ($1, $2, $3, $4) RETURNING id::int`,
            [tenant.id, body.supplierId, body.note ?? null, tenant.userId],
          )
          const id = (rows[0] as { id: number }).id
          await tx.query(
            `INSERT INTO supplier_order_lines (restaurant_id, order_id, ingredient_poster_id, quantity)
             SELECT $1, $2, x."ingredientId", x.quantity FROM jsonb_to_recordset($3::jsonb) AS x("ingredientId" int, quantity numeric)`,
            [tenant.id, id, JSON.stringify(body.lines)],
          )
          return loadOrder(tx, id)
        })
        .catch((error: { code?: string }) => {
          if (error.code === '23503')
            throw new HttpError(
              400,
              'UNKNOWN_REFERENCE',
              'The supplier or an ingredient does not exist in this restaurant.',
            )
          throw error
        })
      await runtime.invalidate(tenant.id, ['orders'])
      return reply.code(201).send(order as Order)
    },
  )

  app.patch(
    '/orders/:id',
    {
      config: { minRole: 'manager' },
      schema: {
        ...tags,
        summary: 'Move an order to its next status',
        params: idParams,
        body: statusBody,
        response: tenantErrors({ 200: order, 409: errorBody }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const next = request.body.status
      const order = await db.withTenant(tenant.id, async (tx) => {
        const { rows } = await tx.query<{ status: OrderStatus }>(
          'SELECT status FROM supplier_orders WHERE id = $1 FOR UPDATE',
          [request.params.id],
        )
        const current = rows[0]?.status
        if (!current) throw notFound(`Order ${request.params.id}`)
        if (!transitions[current].includes(next)) {
          throw new HttpError(409, 'INVALID_TRANSITION', `An order that is ${current} cannot become ${next}.`)
        }
        await tx.query('UPDATE supplier_orders SET status = $2, updated_at = now() WHERE id = $1', [
          request.params.id,
          next,
        ])
        return loadOrder(tx, request.params.id)
      })
      await runtime.invalidate(tenant.id, ['orders'])
      return order
    },
  )
}
