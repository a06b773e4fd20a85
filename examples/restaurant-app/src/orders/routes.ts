import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { tenantErrors } from '../http/error-responses'
import { errorBody, HttpError, notFound } from '../http/errors'
import { restaurantParams } from '../restaurants/schemas'
import { type TenantContext, tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { queueSupply } from './receive'
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
import { loadOutbox, retryOutbox } from './supply-outbox'

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

  /** Sends the order's supply to Poster; the outbox row already holds it, so a lost job loses nothing. */
  async function nudge(
    { id: restaurantId, userId }: TenantContext,
    orderId: number,
    log: { warn(o: object, m: string): void },
  ) {
    try {
      await runtime.jobs.enqueueSupply({ restaurantId, orderId, requestedBy: userId })
    } catch (error) {
      log.warn(
        { err: error, orderId },
        'could not enqueue the Poster supply; the scheduled sweep will send it',
      )
    }
  }

  app.patch(
    '/orders/:id',
    {
      config: { minRole: 'manager' },
      schema: {
        ...tags,
        summary: 'Move an order to its next status; `received` sends it to Poster as a supply, exactly once',
        params: idParams,
        body: statusBody,
        response: tenantErrors({ 200: order, 409: errorBody }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const { status: next, storageId, prices } = request.body
      const order = await db.withTenant(tenant.id, async (tx) => {
        const current = await lockOrderStatus(tx, request.params.id)
        if (!current) throw notFound(`Order ${request.params.id}`)
        if (!transitions[current].includes(next)) {
          throw new HttpError(409, 'INVALID_TRANSITION', `An order that is ${current} cannot become ${next}.`)
        }
        await updateOrderStatus(tx, request.params.id, next)
        const loaded = (await loadOrder(tx, request.params.id)) as Order
        // The supply joins the outbox in the same transaction as the status: both or neither.
        if (next === 'received') await queueSupply(tx, tenant.id, loaded, { storageId, prices })
        return next === 'received' ? loadOrder(tx, request.params.id) : loaded
      })
      if (next === 'received') await nudge(tenant, request.params.id, request.log)
      await runtime.invalidate(tenant.id, ['orders'])
      return order
    },
  )

  app.post(
    '/orders/:id/poster-supply',
    {
      config: { minRole: 'manager' },
      schema: {
        ...tags,
        summary: "Send a received order's supply to Poster again (after Poster refused it)",
        params: idParams,
        response: tenantErrors({
          202: order,
          409: errorBody.describe('Not received yet, or already in Poster'),
          503: errorBody.describe('The job queue is unreachable'),
        }),
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request)
      const outbox = await db.withTenant(tenant.id, (tx) => loadOutbox(tx, request.params.id))
      if (!outbox) {
        const exists = await db.withTenant(tenant.id, (tx) => lockOrderStatus(tx, request.params.id))
        if (!exists) throw notFound(`Order ${request.params.id}`)
        throw new HttpError(409, 'NOT_RECEIVED', 'Only a received order goes to Poster; receive it first.')
      }
      if (outbox.state === 'done') {
        throw new HttpError(409, 'ALREADY_IN_POSTER', `This order is Poster supply ${outbox.posterSupplyId}.`)
      }
      await retryOutbox(db, tenant.id, request.params.id)
      await runtime.jobs.enqueueSupply({
        restaurantId: tenant.id,
        orderId: request.params.id,
        requestedBy: tenant.userId,
      })
      await runtime.invalidate(tenant.id, ['orders'])
      return reply
        .code(202)
        .send((await db.withTenant(tenant.id, (tx) => loadOrder(tx, request.params.id))) as Order)
    },
  )
}
