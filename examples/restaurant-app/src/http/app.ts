import compress from '@fastify/compress'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import { adminRoutes } from '../admin/routes'
import { analyticsRoutes } from '../analytics/routes'
import { createAuth } from '../auth/guard'
import { authRoutes } from '../auth/routes'
import { createSessions } from '../auth/sessions'
import { checklistRoutes } from '../checklist/routes'
import { inventoryRoutes } from '../inventory/routes'
import { opsRoutes } from '../ops/routes'
import { orderRoutes } from '../orders/routes'
import { restaurantRoutes } from '../restaurants/routes'
import { tenantScope } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { supplyRoutes } from '../supplies/routes'
import { syncRoutes } from '../sync/routes'
import { webhookRoutes } from '../webhooks/routes'
import { installErrorHandler } from './errors'

/** The HTTP API over a runtime; `listen` is the caller's (tests use `inject` or port 0). */
export async function buildApp(runtime: Runtime): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: runtime.log as FastifyBaseLogger,
    // Per-request lines only when debugging: at thousands of requests/s they would cost more than the work.
    logController: new LogController({
      disableRequestLogging: runtime.config.logLevel !== 'debug' && runtime.config.logLevel !== 'trace',
    }),
    trustProxy: false,
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  installErrorHandler(app)

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    runtime.metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    )
  })

  await app.register(compress, { global: true, threshold: 1024, encodings: ['gzip', 'deflate'] })
  await app.register(cookie)
  await app.register(formbody)
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Restaurant ops API',
        version: '1.0.0',
        description:
          'Checklists and supplier orders for many restaurants, synced from Poster. Log in with POST /api/auth/login, then send the token as `Authorization: Bearer <token>` (or keep the cookie).',
      },
      components: { securitySchemes: { session: { type: 'http', scheme: 'bearer' } } },
      security: [{ session: [] }],
    },
    transform: jsonSchemaTransform,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  const sessions = createSessions(runtime.cache)
  const auth = createAuth(runtime, sessions)
  await app.register(opsRoutes, { runtime })
  await app.register(authRoutes, { runtime, auth, sessions })
  await app.register(webhookRoutes, { runtime })
  await app.register(adminRoutes, { runtime, auth })
  await app.register(
    async (tenant) => {
      await tenantScope(tenant, { runtime, auth })
      await tenant.register(syncRoutes, { runtime })
      await tenant.register(restaurantRoutes, { runtime })
      await tenant.register(inventoryRoutes, { runtime })
      await tenant.register(checklistRoutes, { runtime })
      await tenant.register(orderRoutes, { runtime })
      await tenant.register(analyticsRoutes, { runtime })
      await tenant.register(supplyRoutes, { runtime })
    },
    { prefix: '/api/restaurants/:restaurantId' },
  )
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/admin', 302))
  return app
}
