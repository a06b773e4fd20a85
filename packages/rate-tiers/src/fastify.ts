import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { decideRequest, type HttpOutcome, type RateTiersHttpOptions, type RouteLimit } from './http/decide'

export type { RouteLimit } from './http/decide'

/** Options of `rateTiersPlugin`: key and tier come from the request (after your auth hook). */
export type RateTiersFastifyOptions = RateTiersHttpOptions<FastifyRequest>

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Per-route bucket and cost, or `false` to leave the route unlimited. */
    rateTiers?: RouteLimit | false
  }
}

const OUTCOME = Symbol('@rc/rate-tiers outcome')
type Tracked = FastifyRequest & { [OUTCOME]?: HttpOutcome }

const plugin: FastifyPluginAsync<RateTiersFastifyOptions> = async (fastify, options) => {
  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.config.rateTiers
    if (route === false) return
    const outcome = await decideRequest(options, request, route)
    if (!outcome) return
    reply.headers(outcome.headers)
    if (outcome.denied) {
      return reply.code(429).type(outcome.denied.contentType).send(outcome.denied.body)
    }
    ;(request as Tracked)[OUTCOME] = outcome
  })
  // The response was sent, or the client went away first: refund per skip options, release leases.
  fastify.addHook('onResponse', async (request, reply) => {
    await (request as Tracked)[OUTCOME]?.done(reply.statusCode)
  })
  fastify.addHook('onRequestAbort', async (request) => {
    await (request as Tracked)[OUTCOME]?.done(499)
  })
}

// Same effect as fastify-plugin: the hook applies to the routes of the scope that registers it.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@rc/rate-tiers',
})

/**
 * Fastify plugin: limits every route of the registering scope in an `onRequest` hook; routes pick
 * their bucket and cost with `config: { rateTiers: { bucket: 'analysis', cost: 2 } }`.
 */
export const rateTiersPlugin: FastifyPluginAsync<RateTiersFastifyOptions> = plugin
