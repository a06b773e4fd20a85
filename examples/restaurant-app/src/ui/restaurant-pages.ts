import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { analyticsReport } from '../analytics/report'
import { CHECKLIST_TAG, loadChecklist } from '../checklist/load'
import { listSections, listStorages } from '../checklist/repository'
import { notFound } from '../http/errors'
import { rowIdText } from '../http/fields'
import { listSynced } from '../inventory/repository'
import { membersPage } from '../members/page'
import { createMemberReader } from '../members/repository'
import { countOrdersByStatus, orderableIngredients } from '../orders/drafts'
import { listOrders, loadOrder } from '../orders/repository'
import { orderStatuses } from '../orders/schemas'
import { restaurantParams } from '../restaurants/schemas'
import { tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { jobId } from '../sync/schemas'
import { acceptsGzip, gzipParts, type Precompressed } from './gzip-parts'
import { html } from './html'
import { layoutAround, type PageOptions, type PageRestaurant } from './layout'
import { degraded, pageOf } from './page-shell'
import { analyticsPage } from './pages/analytics'
import { checklistHead, itemFormPage, type RenderedChecklist, renderChecklist } from './pages/checklist'
import { newOrdersPage, orderPage, ordersPage } from './pages/orders'
import { overviewPage } from './pages/overview'
import { type BucketUsage, planPage } from './pages/plan'
import { sendPage } from './send-page'
import { streamSyncProgress } from './sync-live'

const hidden = { hide: true }

// The near cache hands out the same object on every hit: decode its pieces once per object.
const pieces = new WeakMap<RenderedChecklist, Precompressed>()
function pieceOf(rendered: RenderedChecklist): Precompressed {
  let piece = pieces.get(rendered)
  if (!piece) {
    piece = { raw: Buffer.from(rendered.body), deflated: Buffer.from(rendered.deflated, 'base64') }
    pieces.set(rendered, piece)
  }
  return piece
}

const pageRestaurant = (request: FastifyRequest): PageRestaurant => {
  const t = tenantOf(request)
  return { id: t.id, name: t.name, tier: t.tier, role: t.role }
}

/** A restaurant's pages (under /app/r/:restaurantId, inside its tenant scope). */
export const restaurantPages: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const db = runtime.db.tenant
  const page = (
    request: FastifyRequest,
    reply: FastifyReply,
    title: string,
    tab: PageOptions['tab'],
    body: ReturnType<typeof html>,
  ) => sendPage(reply, pageOf(runtime, request, { title, restaurant: pageRestaurant(request), tab, body }))

  app.get(
    '/',
    {
      schema: {
        ...hidden,
        params: restaurantParams,
        querystring: z.object({ job: jobId.optional(), welcome: z.string().optional() }),
      },
    },
    async (request, reply) => {
      const r = pageRestaurant(request)
      const restaurant = await runtime.control.restaurants.get(r.id)
      if (!restaurant) throw notFound(`Restaurant ${r.id}`)
      const events = await runtime.control.syncEvents.recent(r.id, 5)
      return page(
        request,
        reply,
        r.name,
        'overview',
        overviewPage(r, restaurant, events, {
          jobId: request.query.job,
          welcome: request.query.welcome !== undefined,
        }),
      )
    },
  )

  app.get(
    '/sync/live',
    { schema: { ...hidden, params: restaurantParams, querystring: z.object({ job: jobId.optional() }) } },
    async (request, reply) => {
      const tenant = tenantOf(request)
      if (request.query.job) {
        // Another restaurant's job is as invisible here as in the API.
        const job = await runtime.jobs.get(request.query.job)
        if (!job || job.restaurantId !== tenant.id) throw notFound(`Job ${request.query.job}`)
      }
      await streamSyncProgress(runtime, tenant.id, request.query.job, request, reply)
    },
  )

  app.get(
    '/checklist',
    {
      schema: { ...hidden, params: restaurantParams, querystring: z.object({ low: z.string().optional() }) },
    },
    async (request, reply) => {
      const r = pageRestaurant(request)
      const lowOnly = request.query.low !== undefined
      // Rendered once per checklist change and per kind of viewer: a big restaurant has thousands of rows.
      const variant = `${r.role === 'viewer' ? 'read' : 'edit'}:${lowOnly ? 'low' : 'all'}`
      const rendered = await runtime.cached(
        r.id,
        `page:checklist:${variant}`,
        ['inventory', CHECKLIST_TAG],
        async () => renderChecklist(r, await loadChecklist(runtime, r.id), lowOnly),
      )
      const [before, after] = layoutAround({
        title: 'Checklist',
        user: request.user,
        restaurant: r,
        tab: 'checklist',
        stale: degraded(runtime),
        head: checklistHead(rendered),
      })
      if (!acceptsGzip(request.headers['accept-encoding']))
        return sendPage(reply, `${before}${rendered.body}${after}`)
      // Only the page's head and tail are compressed now; the rows were compressed with the cached body.
      const body = gzipParts([before, pieceOf(rendered), after])
      return sendPage(reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding'), body)
    },
  )

  const itemChoices = async (restaurantId: string) => {
    const page = { includeDeleted: false, limit: 1000, offset: 0 }
    return {
      sections: await listSections(db, restaurantId),
      ingredients: await orderableIngredients(db, restaurantId),
      suppliers: (await listSynced(db, restaurantId, 'suppliers', page)) as Array<{
        id: number
        name: string
      }>,
    }
  }

  app.get(
    '/checklist/items/new',
    {
      config: { minRole: 'manager' },
      schema: {
        ...hidden,
        params: restaurantParams,
        querystring: z.object({ section: rowIdText.optional() }),
      },
    },
    async (request, reply) => {
      const r = pageRestaurant(request)
      const choices = await itemChoices(r.id)
      const body =
        choices.sections.length === 0
          ? html`<p>Add a section on the checklist first.</p>`
          : itemFormPage(r, choices, undefined, request.query.section)
      return page(request, reply, 'Add an item', 'checklist', body)
    },
  )

  app.get(
    '/checklist/items/:itemId',
    {
      config: { minRole: 'manager' },
      schema: { ...hidden, params: restaurantParams.extend({ itemId: rowIdText }) },
    },
    async (request, reply) => {
      const r = pageRestaurant(request)
      const checklist = await loadChecklist(runtime, r.id)
      const section = checklist.sections.find((s) => s.items.some((i) => i.id === request.params.itemId))
      const item = section?.items.find((i) => i.id === request.params.itemId)
      if (!section || !item) throw notFound(`Checklist item ${request.params.itemId}`)
      const body = itemFormPage(r, await itemChoices(r.id), { ...item, sectionName: section.name }, undefined)
      return page(request, reply, `Edit ${item.name}`, 'checklist', body)
    },
  )

  app.get(
    '/orders',
    {
      schema: {
        ...hidden,
        params: restaurantParams,
        querystring: z.object({ status: z.enum(orderStatuses).optional() }),
      },
    },
    async (request, reply) => {
      const r = pageRestaurant(request)
      const status = request.query.status
      // Cached until an order changes (every order write drops the restaurant's `orders` tag) or a sync renames a supplier.
      const { orders, counts } = await runtime.cached(
        r.id,
        `page:orders:${status ?? 'all'}`,
        ['orders', 'inventory'],
        async () => ({
          orders: await listOrders(db, r.id, { status, limit: 200 }),
          counts: await countOrdersByStatus(db, r.id),
        }),
      )
      return page(request, reply, 'Supplier orders', 'orders', ordersPage(r, orders, counts, status))
    },
  )

  app.get(
    '/orders/new',
    { config: { minRole: 'manager' }, schema: { ...hidden, params: restaurantParams } },
    async (request, reply) => {
      const r = pageRestaurant(request)
      return page(
        request,
        reply,
        'New orders from the checklist',
        'orders',
        newOrdersPage(r, await loadChecklist(runtime, r.id)),
      )
    },
  )

  app.get(
    '/orders/:orderId',
    { schema: { ...hidden, params: restaurantParams.extend({ orderId: rowIdText }) } },
    async (request, reply) => {
      const r = pageRestaurant(request)
      const order = await db.withTenant(r.id, (tx) => loadOrder(tx, request.params.orderId))
      if (!order) throw notFound(`Order ${request.params.orderId}`)
      const edit = r.role !== 'viewer'
      const ingredients = edit && order.status === 'draft' ? await orderableIngredients(db, r.id) : []
      const { storages } = edit && order.status === 'sent' ? await listStorages(db, r.id) : { storages: [] }
      return page(request, reply, `Order #${order.id}`, 'orders', orderPage(r, order, ingredients, storages))
    },
  )

  app.get(
    '/analytics',
    { config: { rateTiers: { bucket: 'analysis' } }, schema: { ...hidden, params: restaurantParams } },
    async (request, reply) => {
      const r = pageRestaurant(request)
      return page(
        request,
        reply,
        'Analytics',
        'analytics',
        analyticsPage(r, await analyticsReport(runtime, r.id)),
      )
    },
  )

  const members = createMemberReader(runtime.db.pool)
  app.get(
    '/members',
    { config: { minRole: 'admin' }, schema: { ...hidden, params: restaurantParams } },
    async (request, reply) => {
      const r = pageRestaurant(request)
      const body = membersPage(
        r,
        await members.members(r.id),
        await members.pending(r.id),
        tenantOf(request).userId,
      )
      return page(request, reply, 'Members', 'members', body)
    },
  )

  app.get(
    '/plan',
    // Looking at what is left must not use any of it.
    { config: { rateTiers: false }, schema: { ...hidden, params: restaurantParams } },
    async (request, reply) => {
      const r = pageRestaurant(request)
      const tenant = tenantOf(request)
      const buckets = Object.keys(runtime.config.tiers[r.tier] ?? { api: '', analysis: '' })
      const usage = async (tiers: Runtime['tiers'], key: string): Promise<BucketUsage[]> => {
        const rows = []
        for (const bucket of buckets) {
          const d = await tiers.peek({ key, tier: r.tier, bucket })
          rows.push({
            bucket,
            limit: d.limit,
            remaining: d.remaining,
            resetMs: d.resetMs,
            windowMs: d.windowMs,
          })
        }
        return rows
      }
      const restaurant = await usage(runtime.tiers, r.id)
      const yours =
        runtime.config.userShare < 1
          ? await usage(runtime.userTiers, `${r.id}:user:${tenant.userId}`)
          : undefined
      const user = request.user
      return page(
        request,
        reply,
        'Plan and usage',
        'plan',
        planPage(r, { restaurant, yours }, runtime.config.tiers, user?.platformAdmin === true),
      )
    },
  )
}
