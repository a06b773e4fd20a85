import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { tenantErrors } from '../http/error-responses'
import { notFound } from '../http/errors'
import type { Runtime } from '../runtime'
import { restaurantParams, restaurantSummary } from './schemas'
import { tenantOf } from './tenant-scope'

/** The restaurant itself: its plan, sync status and the caller's role. */
export const restaurantRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['restaurants'],
        summary: 'The restaurant, its plan, sync status and your role',
        params: restaurantParams,
        response: tenantErrors({ 200: restaurantSummary }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const r = await runtime.control.restaurants.get(tenant.id)
      if (!r) throw notFound(`Restaurant ${tenant.id}`)
      return {
        id: r.id,
        name: r.name,
        tier: r.tier,
        status: r.status,
        active: r.active,
        lastSyncAt: r.lastSyncAt,
        lastError: r.lastError,
        role: tenant.role,
      }
    },
  )
}
