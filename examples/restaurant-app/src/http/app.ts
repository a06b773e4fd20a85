import compress from '@fastify/compress'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type onRequestHookHandler,
} from 'fastify'
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
import { checklistRoutes } from '../checklist/routes'
import { inventoryRoutes } from '../inventory/routes'
import { acceptRoutes, memberRoutes } from '../members/routes'
import { type PosterOAuth, posterOAuthFromConfig } from '../onboarding/endpoints'
import { onboardingRoutes } from '../onboarding/routes'
import { signupRoutes } from '../onboarding/signup'
import { opsAccess } from '../ops/access'
import { opsRoutes } from '../ops/routes'
import { draftRoutes } from '../orders/drafts'
import { orderRoutes } from '../orders/routes'
import { restaurantRoutes } from '../restaurants/routes'
import { tenantScope } from '../restaurants/tenant-scope'
import type { Runtime } from '../runtime'
import { supplyRoutes } from '../supplies/routes'
import { syncRoutes } from '../sync/routes'
import { reportRequestError } from '../telemetry/request-errors'
import { type UiOptions, uiRoutes } from '../ui/routes'
import { webhookRoutes } from '../webhooks/routes'
import { refuseCrossOrigin } from './cross-origin'
import { clientErrors, frameworkErrors, installErrorHandler } from './errors'
import { securityHeaders } from './security-headers'

/** The HTTP API and the staff UI over a runtime; `listen` is the caller's (tests use `inject` or port 0). */
export async function buildApp(
  runtime: Runtime,
  options: {
    demo?: UiOptions['demo']
    /** Poster OAuth for onboarding; default from the config (POSTER_APPLICATION_ID), off without it. */
    oauth?: PosterOAuth
  } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: runtime.log as FastifyBaseLogger,
    // Per-request lines only when debugging: at thousands of requests/s they would cost more than the work.
    logController: new LogController({
      disableRequestLogging: runtime.config.logLevel !== 'debug' && runtime.config.logLevel !== 'trace',
    }),
    // Without it, X-Forwarded-* from anyone would pick the client address (login throttling) and scheme.
    trustProxy: trustProxyOption(runtime.config.trustProxy),
    bodyLimit: 1024 * 1024,
    frameworkErrors,
    clientErrorHandler: clientErrors,
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  installErrorHandler(app, (error, request, status) =>
    reportRequestError(runtime.errors, error, request, status),
  )
  app.addHook('onRequest', async (request) => refuseCrossOrigin(request))
  app.addHook('onSend', securityHeaders)

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
  const auth = createAuth(runtime)
  if (runtime.config.docs) await registerDocs(app, opsAccess(runtime, auth)('docs'))
  await app.register(opsRoutes, { runtime, auth })
  await app.register(authRoutes, { runtime, auth })
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
      await tenant.register(draftRoutes, { runtime })
      await tenant.register(analyticsRoutes, { runtime })
      await tenant.register(memberRoutes, { runtime })
      await tenant.register(supplyRoutes, { runtime })
    },
    { prefix: '/api/restaurants/:restaurantId' },
  )
  await app.register(acceptRoutes, { runtime, auth })
  await app.register(signupRoutes, { runtime, auth })
  const oauth = options.oauth ?? posterOAuthFromConfig(runtime.config)
  await app.register(onboardingRoutes, { runtime, auth, oauth })
  await app.register(uiRoutes, { runtime, auth, demo: options.demo, onboarding: oauth !== undefined })
  return app
}

/** `/openapi.json` and `/docs` (Swagger UI), behind `guard`; off in production unless `DOCS=on`. */
async function registerDocs(app: FastifyInstance, guard: onRequestHookHandler): Promise<void> {
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
  await app.register(swaggerUi, { routePrefix: '/docs', uiHooks: { onRequest: guard } })
  app.get('/openapi.json', { schema: { hide: true }, onRequest: guard }, async () => app.swagger())
}

/** TRUST_PROXY as Fastify takes it: a hop count becomes "trust the nearest n proxies". */
function trustProxyOption(
  value: boolean | number | string,
): boolean | string | ((address: string, hop: number) => boolean) {
  return typeof value === 'number' ? (_address, hop) => hop < value : value
}
