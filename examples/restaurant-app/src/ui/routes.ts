import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { analyticsReport } from '../analytics/report'
import type { Auth } from '../auth/guard'
import { CHECKLIST_TAG, loadChecklist } from '../checklist/load'
import { listSections, listStorages } from '../checklist/repository'
import { notFound } from '../http/errors'
import { rowIdText } from '../http/fields'
import { listSynced } from '../inventory/repository'
import { invitePage, membersPage } from '../members/page'
import { createMemberReader, INVITATION_TOKEN } from '../members/repository'
import { countOrdersByStatus, orderableIngredients } from '../orders/drafts'
import { listOrders, loadOrder } from '../orders/repository'
import { orderStatuses } from '../orders/schemas'
import { restaurantParams } from '../restaurants/schemas'
import { tenantOf, tenantScope } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { jobId } from '../sync/schemas'
import { assetRoutes } from './assets'
import { htmlErrors, loginUrl } from './error-pages'
import { acceptsGzip, gzipParts, type Precompressed } from './gzip-parts'
import { html } from './html'
import { layout, layoutAround, type PageOptions, type PageRestaurant } from './layout'
import { loginPage, safeNext } from './login-page'
import { analyticsPage } from './pages/analytics'
import { checklistHead, itemFormPage, type RenderedChecklist, renderChecklist } from './pages/checklist'
import { newOrdersPage, orderPage, ordersPage } from './pages/orders'
import { overviewPage, restaurantsPage } from './pages/overview'
import { type BucketUsage, planPage, upgradePage } from './pages/plan'
import { sendPage } from './send-page'
import { streamSyncProgress } from './sync-live'

/** The demo logins main.ts seeds; shown on the login page in embedded mode only. */
export interface UiOptions {
  runtime: Runtime
  auth: Auth
  demo?: { password: string; emails: string[] } | undefined
  /** Self-service onboarding is on: the restaurants page offers "Connect your Poster account". */
  onboarding: boolean
}

const hidden = { hide: true }

/** Redis (cache, limits, sessions) is not answering: pages are served from what this instance kept. */
const degraded = (runtime: Runtime) =>
  (runtime.redis !== undefined && runtime.redis.status !== 'ready') ||
  runtime.cache.stats().mode === 'fallback'

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

/** The page shell with the request's user and the service's state filled in. */
export function pageOf(
  runtime: Runtime,
  request: FastifyRequest,
  options: Omit<PageOptions, 'user' | 'stale'>,
) {
  return layout({ ...options, user: request.user, stale: degraded(runtime) })
}

const pageRestaurant = (request: FastifyRequest): PageRestaurant => {
  const t = tenantOf(request)
  return { id: t.id, name: t.name, tier: t.tier, role: t.role }
}

/**
 * The staff web UI: server-rendered pages (every read is a page, so it works without waiting for a
 * script) and one small script that sends the forms to the JSON API, shows its errors and follows a
 * running sync. Tenant pages go through the same access check and plan limits as the API.
 */
export const uiRoutes: FastifyPluginAsyncZod<UiOptions> = async (
  app,
  { runtime, auth, demo, onboarding },
) => {
  assetRoutes(app)

  app.get('/', { schema: hidden }, async (_request, reply) => reply.redirect('/app', 302))

  app.get(
    '/login',
    {
      schema: {
        ...hidden,
        querystring: z.object({
          next: z.string().max(2000).optional(),
          failed: z.string().optional(),
          error: z.enum(['throttled', 'busy']).optional(),
          retry: z.coerce.number().int().min(0).max(86_400).optional(),
        }),
      },
    },
    async (request, reply) => {
      const q = request.query
      return sendPage(
        reply,
        loginPage({
          next: safeNext(q.next),
          error: q.failed !== undefined ? 'failed' : q.error,
          retryAfterS: q.retry,
          demo,
        }),
      )
    },
  )

  const members = createMemberReader(runtime.db.pool)
  await app.register(async (pages) => {
    pages.addHook('onSend', htmlErrors)

    pages.get('/app', { schema: hidden }, async (request, reply) => {
      const user = await auth.authenticate(request)
      if (!user) return reply.redirect(loginUrl('/app'), 303)
      const memberships = auth.membershipsOf(request)
      const items = []
      for (const [id, role] of Object.entries(memberships)) {
        const r = await runtime.control.restaurants.get(id)
        if (r)
          items.push({
            id: r.id,
            name: r.name,
            tier: r.tier,
            status: r.status,
            lastSyncAt: r.lastSyncAt,
            role,
          })
      }
      items.sort((a, b) => a.name.localeCompare(b.name))
      return sendPage(
        reply,
        pageOf(runtime, request, { title: 'Your restaurants', body: restaurantsPage(items, onboarding) }),
      )
    })

    pages.get(
      '/invite/:token',
      { schema: { ...hidden, params: z.object({ token: z.string().max(100) }) } },
      async (request, reply) => {
        const { token } = request.params as { token: string }
        const user = await auth.authenticate(request)
        const found = INVITATION_TOKEN.test(token) ? await members.byToken(token) : undefined
        const memberAs = found && user ? auth.membershipsOf(request)[found.restaurantId] : undefined
        const body = invitePage(token, found, { loggedIn: user !== undefined, memberAs })
        return sendPage(reply, pageOf(runtime, request, { title: 'Invitation', body }))
      },
    )

    pages.get('/billing/upgrade', { schema: hidden }, async (request, reply) => {
      const user = await auth.authenticate(request)
      if (!user) return reply.redirect(loginUrl('/billing/upgrade'), 303)
      const current = []
      for (const id of Object.keys(auth.membershipsOf(request))) {
        const r = await runtime.control.restaurants.get(id)
        if (r) current.push(r.tier)
      }
      return sendPage(
        reply,
        pageOf(runtime, request, { title: 'Plans', body: upgradePage(runtime.config.tiers, current) }),
      )
    })
  })

  await app.register(
    async (tenant) => {
      tenant.addHook('onSend', htmlErrors)
      await tenantScope(tenant, { runtime, auth })
      await tenant.register(tenantPages, { runtime })
    },
    { prefix: '/app/r/:restaurantId' },
  )
}

const tenantPages: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
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
