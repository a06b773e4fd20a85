import Fastify from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import { withRateTiers } from '../src/fetch'
import { createRateTiers, type RateDecision, type RateLimitProblemBody, rateLimitBody } from '../src/index'

const tiers = createRateTiers({ tiers: { free: { api: '20/1m' } } })

describe('public types', () => {
  it('consume and peek resolve to a decision', () => {
    expectTypeOf(
      tiers.consume({ key: 'k', tier: 'free', bucket: 'api' }),
    ).resolves.toEqualTypeOf<RateDecision>()
    expectTypeOf(tiers.peek).parameter(0).toHaveProperty('buckets')
  })

  it('rejects unknown algorithms, modes and limit shapes at compile time', () => {
    // @ts-expect-error not an algorithm
    createRateTiers({ tiers: { free: { api: '20/1m' } }, algorithm: 'token-bucket' })
    // @ts-expect-error not a store error mode
    createRateTiers({ tiers: { free: { api: '20/1m' } }, onStoreError: 'ignore' })
    // @ts-expect-error a limit is a string or { limit, window }
    createRateTiers({ tiers: { free: { api: 20 } } })
  })

  it('picks the body type from the format', () => {
    const d = {} as RateDecision
    expectTypeOf(rateLimitBody(d, { format: 'problem+json' })).toEqualTypeOf<RateLimitProblemBody>()
    expectTypeOf(rateLimitBody(d).code).toEqualTypeOf<'RATE_LIMIT_EXCEEDED'>()
  })

  it('types the Fastify route config and keeps fetch handler arguments', () => {
    const app = Fastify()
    app.get('/a', { config: { rateTiers: { bucket: 'analysis', cost: 2 } } }, async () => 'ok')
    app.get('/b', { config: { rateTiers: false } }, async () => 'ok')
    // @ts-expect-error cost is a number
    app.get('/c', { config: { rateTiers: { cost: 'two' } } }, async () => 'ok')
    const wrapped = withRateTiers((_request: Request, env: { region: string }) => new Response(env.region), {
      tiers,
      key: () => 'k',
      tier: () => 'free',
    })
    expectTypeOf(wrapped).parameters.toEqualTypeOf<[Request, { region: string }]>()
  })
})
