import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { tenantErrors } from '../http/error-responses'
import { restaurantParams } from '../restaurants/schemas'
import { tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { analyticsReport } from './report'
import { analytics } from './schemas'

/** The expensive report: charged to the `analysis` bucket, cached until inventory or orders change. */
export const analyticsRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  app.get(
    '/analytics',
    {
      config: { rateTiers: { bucket: 'analysis' } },
      schema: {
        tags: ['analytics'],
        summary: 'Stock value, low stock and open orders',
        params: restaurantParams,
        response: tenantErrors({ 200: analytics }),
      },
    },
    async (request) => analyticsReport(runtime, tenantOf(request).id),
  )
}
