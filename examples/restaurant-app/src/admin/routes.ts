import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { Auth } from '../auth/guard'
import { HttpError, notFound } from '../http/errors'
import { PAGE_CSP } from '../http/security-headers'
import { forgetRestaurantConfig } from '../restaurants/cached-config'
import type { Runtime } from '../runtime'
import { KEEP_PER_RESTAURANT } from '../telemetry/recent-errors'
import { loginUrl } from '../ui/error-pages'
import { adminPage, adminScript } from './page'
import { jobParams, restaurantId, tierBody } from './schemas'

// The list shows each restaurant's newest few; `/api/admin/restaurants/:id/errors` has all that are kept.
const RECENT_SHOWN = 5
const HTML_HEADERS = { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP }

/** The admin area: every restaurant, its last sync, errors in 24 h, Force Sync with live progress. Platform admins only. */
export const adminRoutes: FastifyPluginAsyncZod<{ runtime: Runtime; auth: Auth }> = async (
  app,
  { runtime, auth },
) => {
  const tags = { tags: ['admin'] }

  app.get('/admin', { schema: { hide: true } }, async (request, reply) => {
    const user = await auth.authenticate(request)
    if (!user) return reply.redirect(loginUrl('/admin'), 303)
    if (!user.platformAdmin)
      return reply
        .code(403)
        .headers(HTML_HEADERS)
        .send('<!doctype html><title>Forbidden</title><p>Admins only.</p>')
    return reply.headers(HTML_HEADERS).send(adminPage(user.name))
  })
  app.get('/admin/app.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(adminScript),
  )

  app.get(
    '/api/admin/restaurants',
    { schema: { ...tags, summary: 'Every restaurant with sync status and errors in the last 24 h' } },
    async (request) => {
      await auth.requirePlatformAdmin(request)
      const [restaurants, errors, recent] = await Promise.all([
        runtime.control.restaurants.list(),
        runtime.control.syncEvents.errorCounts(24),
        runtime.recentErrors.newest(RECENT_SHOWN),
      ])
      return {
        // Errors tied to no restaurant (a login, a schedule); each restaurant's are on its item.
        otherErrors: recent[''] ?? [],
        items: restaurants.map((r) => ({
          id: r.id,
          name: r.name,
          tier: r.tier,
          active: r.active,
          status: r.status,
          lastSyncAt: r.lastSyncAt,
          lastError: r.lastError,
          errors24h: errors[r.id] ?? 0,
          // Its last unhandled errors (requests answered 5xx, failed job attempts), with their trace ids.
          recentErrors: recent[r.id] ?? [],
          // The per-account circuit breaker: failed syncs in a row, and the back-off while it is open.
          poster: {
            failures: r.posterFailures,
            backoffUntil:
              r.posterBackoffUntil && r.posterBackoffUntil > new Date() ? r.posterBackoffUntil : null,
          },
        })),
      }
    },
  )

  app.get(
    '/api/admin/restaurants/:id/errors',
    {
      schema: {
        ...tags,
        summary: `A restaurant's last ${KEEP_PER_RESTAURANT} unhandled errors, newest first, with trace ids`,
        params: restaurantId,
      },
    },
    async (request) => {
      await auth.requirePlatformAdmin(request)
      const restaurant = await runtime.control.restaurants.get(request.params.id)
      if (!restaurant) throw notFound(`Restaurant ${request.params.id}`)
      return { items: await runtime.recentErrors.of(restaurant.id) }
    },
  )

  app.post(
    '/api/admin/restaurants/:id/sync',
    { schema: { ...tags, summary: 'Force a full sync', params: restaurantId } },
    async (request, reply) => {
      const user = await auth.requirePlatformAdmin(request)
      const restaurant = await runtime.control.restaurants.get(request.params.id)
      if (!restaurant) throw notFound(`Restaurant ${request.params.id}`)
      const job = await runtime.jobs.syncNow({
        restaurantId: restaurant.id,
        reason: 'manual',
        requestedBy: user.id,
      })
      return reply.code(202).send({ jobId: job.id, deduplicated: job.deduplicated })
    },
  )

  app.get(
    '/api/admin/jobs/:jobId',
    { schema: { ...tags, summary: 'Any job', params: jobParams } },
    async (request) => {
      await auth.requirePlatformAdmin(request)
      const job = await runtime.jobs.get(request.params.jobId)
      if (!job) throw notFound(`Job ${request.params.jobId}`)
      return job
    },
  )

  app.put(
    '/api/admin/restaurants/:id/tier',
    {
      schema: {
        ...tags,
        summary: "Change a restaurant's plan (applies from its next request; usage carries over)",
        params: restaurantId,
        body: tierBody,
      },
    },
    async (request) => {
      await auth.requirePlatformAdmin(request)
      const { tier } = request.body
      if (!Object.hasOwn(runtime.config.tiers, tier)) {
        throw new HttpError(
          400,
          'UNKNOWN_TIER',
          `Unknown tier ${tier}; plans: ${Object.keys(runtime.config.tiers).join(', ')}.`,
        )
      }
      if (!(await runtime.control.restaurants.setTier(request.params.id, tier)))
        throw notFound(`Restaurant ${request.params.id}`)
      await forgetRestaurantConfig(runtime, request.params.id)
      return { id: request.params.id, tier }
    },
  )
}
