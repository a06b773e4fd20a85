import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { tenantErrors } from '../http/error-responses'
import { errorBody, HttpError, notFound } from '../http/errors'
import { restaurantParams } from '../restaurants/schemas'
import { tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { createOrder, listOrders, loadOrder, lockOrderStatus, updateOrderStatus } from './repository'
import {
  createBody,
  idParams,
  listQuery,
  type Order,
  type OrderStatus,
  order,
  orderList,
  statusBody,
} from './schemas'

// The only moves an order can make; everything else is a 409.
const transitions: Record<OrderStatus, readonly OrderStatus[]> = {
  draft: ['sent', 'cancelled'],
  sent: ['received', 'cancelled'],
  received: [],
  cancelled: [],
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
      return { items: await listOrders(db, tenant.id, request.query) }
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
      const order = await createOrder(db, tenant.id, {
        supplierId: body.supplierId,
        note: body.note,
        lines: body.lines,
        createdBy: tenant.userId,
      }).catch((error: { code?: string }) => {
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
        const current = await lockOrderStatus(tx, request.params.id)
        if (!current) throw notFound(`Order ${request.params.id}`)
        if (!transitions[current].includes(next)) {
          throw new HttpError(409, 'INVALID_TRANSITION', `An order that is ${current} cannot become ${next}.`)
        }
        await updateOrderStatus(tx, request.params.id, next)
        return loadOrder(tx, request.params.id)
      })
      await runtime.invalidate(tenant.id, ['orders'])
      return order
    },
  )
}
