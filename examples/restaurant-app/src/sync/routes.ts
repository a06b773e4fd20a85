import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { tenantErrors } from '../http/error-responses'
import { errorBody, notFound } from '../http/errors'
import { restaurantParams } from '../restaurants/schemas'
import { tenantOf } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { enqueued, job, jobParams, syncEvents } from './schemas'

/** Manual sync (202 + job id), job progress and the sync history of one restaurant. */
export const syncRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const tags = { tags: ['sync'] }
  app.post(
    '/sync',
    {
      config: { minRole: 'admin' },
      schema: {
        ...tags,
        summary: 'Start a sync from Poster; answers 202 with the job id',
        params: restaurantParams,
        response: tenantErrors({ 202: enqueued, 503: errorBody.describe('The job queue is unreachable') }),
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request)
      const job = await runtime.jobs.syncNow({
        restaurantId: tenant.id,
        reason: 'manual',
        requestedBy: tenant.userId,
      })
      return reply
        .code(202)
        .header('location', `/api/restaurants/${tenant.id}/jobs/${job.id}`)
        .send({ jobId: job.id, deduplicated: job.deduplicated })
    },
  )

  app.get(
    '/jobs/:jobId',
    {
      schema: {
        ...tags,
        summary: 'A sync job: state and progress (0-100)',
        params: jobParams,
        response: tenantErrors({ 200: job }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      const job = await runtime.jobs.get(request.params.jobId)
      // Another restaurant's job is as invisible as a missing one.
      if (!job || job.restaurantId !== tenant.id) throw notFound(`Job ${request.params.jobId}`)
      return job
    },
  )

  app.get(
    '/sync/events',
    {
      schema: {
        ...tags,
        summary: 'Recent sync events',
        params: restaurantParams,
        response: tenantErrors({ 200: syncEvents }),
      },
    },
    async (request) => {
      const tenant = tenantOf(request)
      return { items: await runtime.control.syncEvents.recent(tenant.id, 50) }
    },
  )
}
