import { rateTiersPlugin } from '@rc/rate-tiers/fastify'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Auth } from '../auth/guard'
import { notFound } from '../http/errors'
import type { Runtime } from '../runtime'
import { restaurantConfig } from './cached-config'
import type { Role } from './roles'
import { restaurantParams } from './schemas'
import { userShare } from './user-share'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Least role a tenant route needs; default viewer. */
    minRole?: Role
  }
  interface FastifyRequest {
    /** The restaurant of a `/api/restaurants/:restaurantId` request, once access is checked. */
    tenant?: TenantContext
  }
}

export interface TenantContext {
  id: string
  name: string
  tier: string
  role: Role
  userId: number
}

/**
 * Every `/api/restaurants/:restaurantId/*` route: 401 without a session, 403
 * unless the user's membership (from the database) grants the route's role,
 * then the user's share of the restaurant's plan and the plan itself, with rate-limit headers on every answer.
 */
export async function tenantScope(app: FastifyInstance, options: { runtime: Runtime; auth: Auth }) {
  const { runtime, auth } = options
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const parsed = restaurantParams.safeParse(request.params)
    // A malformed id can name no restaurant the user may see: same answer as any other.
    const restaurantId = parsed.success ? parsed.data.restaurantId : ''
    const minimum = request.routeOptions.config.minRole ?? 'viewer'
    const { user, role } = await auth.requireRole(request, restaurantId, minimum)
    const config = await restaurantConfig(runtime, restaurantId)
    if (!config) throw notFound(`Restaurant ${restaurantId}`)
    request.tenant = { id: config.id, name: config.name, tier: config.tier, role, userId: user.id }
  })
  const share = userShare(runtime)
  share.before(app)
  await app.register(rateTiersPlugin, {
    tiers: runtime.tiers,
    key: (request) => request.tenant?.id,
    tier: (request) => request.tenant?.tier ?? 'free',
    upgradeUrl: '/billing/upgrade',
  })
  share.after(app)
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 429 && request.tenant) {
      const bucket = request.routeOptions.config.rateTiers
        ? (request.routeOptions.config.rateTiers.bucket ?? 'api')
        : 'api'
      runtime.metrics.rateLimitDenials.inc({ tier: request.tenant.tier, bucket: String(bucket) })
    }
    return payload
  })
}

export function tenantOf(request: FastifyRequest): TenantContext {
  if (!request.tenant) throw new Error('tenant route used outside tenantScope')
  return request.tenant
}
