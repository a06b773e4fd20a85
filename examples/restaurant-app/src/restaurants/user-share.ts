import { rateLimitBody, rateLimitContentType, rateLimitHeaders } from '@rc/rate-tiers'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AppConfig } from '../config'
import type { Runtime } from '../runtime'

/**
 * Each plan's limits scaled to one user's share (`USER_SHARE`, default half): `'20/1m'` at 0.5 is
 * `'10/1m'`, never below one request per window. Same tiers and buckets as the plans, so routes keep
 * naming their bucket once.
 */
export function userShareOf(tiers: AppConfig['tiers'], share: number): AppConfig['tiers'] {
  const scale = (spec: string) => {
    const match = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(spec)
    if (!match) throw new Error(`A plan limit must read like 100/1m, got ${JSON.stringify(spec)}.`)
    return `${Math.max(1, Math.floor(Number(match[1]) * share))}/${match[2]}`
  }
  return Object.fromEntries(
    Object.entries(tiers).map(([tier, limits]) => [
      tier,
      { api: scale(limits.api), analysis: scale(limits.analysis) },
    ]),
  )
}

/**
 * One user's share of the restaurant's plan, around the plan's own limit: `before` refuses a user past
 * their share without charging anything (so one member cannot spend the bucket of the others), `after`
 * charges the share once the plan has admitted the request (a request the plan refuses costs the user
 * nothing). `USER_SHARE=1` turns it off. Concurrent requests of one user may pass the share by a few; the plan's limit stays exact.
 */
export function userShare(runtime: Runtime) {
  const input = (request: FastifyRequest) => {
    const tenant = request.tenant
    if (runtime.config.userShare >= 1) return undefined // the whole plan: no per-user limit
    const route = request.routeOptions.config.rateTiers
    if (!tenant || route === false) return undefined
    const bucket = route?.bucket ?? 'api'
    const key = `${tenant.id}:user:${tenant.userId}`
    return typeof bucket === 'string'
      ? { key, tier: tenant.tier, bucket }
      : { key, tier: tenant.tier, buckets: bucket }
  }
  return {
    before(app: FastifyInstance): void {
      app.addHook('onRequest', async (request, reply) => {
        const call = input(request)
        if (!call) return
        const decision = await runtime.userTiers.peek(call)
        if (decision.allowed) return
        const body = rateLimitBody(decision)
        const message = `Your share of this restaurant's ${decision.tier} plan is ${decision.limit} ${decision.bucket} requests per window, kept so that one member cannot use up the others'; retry in ${body.retryAfter} s.`
        return reply
          .code(429)
          .headers(rateLimitHeaders(decision))
          .type(rateLimitContentType())
          .send({ ...body, message, scope: 'user' })
      })
    },
    after(app: FastifyInstance): void {
      app.addHook('onRequest', async (request) => {
        const call = input(request)
        if (call) await runtime.userTiers.consume(call)
      })
    },
  }
}
