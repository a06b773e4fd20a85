import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Auth } from '../auth/guard'
import { invitePage } from '../members/page'
import { createMemberReader, INVITATION_TOKEN } from '../members/repository'
import { tenantScope } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { assetRoutes } from './assets'
import { htmlErrors, loginUrl } from './error-pages'
import { loginPage, safeNext } from './login-page'
import { pageOf } from './page-shell'
import { restaurantsPage } from './pages/overview'
import { upgradePage } from './pages/plan'
import { restaurantPages } from './restaurant-pages'
import { sendPage } from './send-page'

/** The demo logins main.ts seeds; shown on the login page in embedded mode only. */
export interface UiOptions {
  runtime: Runtime
  auth: Auth
  demo?: { password: string; emails: string[] } | undefined
  /** Self-service onboarding is on: the restaurants page offers "Connect your Poster account". */
  onboarding: boolean
}

const hidden = { hide: true }

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
      await tenant.register(restaurantPages, { runtime })
    },
    { prefix: '/app/r/:restaurantId' },
  )
}
