import Fastify from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import { rateTiersMiddleware } from '../src/express'
import { rateTiersPlugin } from '../src/fastify'
import { withRateTiers } from '../src/fetch'
import {
  createRateTiers,
  memoryRateStore,
  type RateDecision,
  type RateLimitProblemBody,
  rateLimitBody,
  rateLimitHeaders,
} from '../src/index'
import { redisRateStore } from '../src/redis'

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

  it('refuses misuse of every factory and adapter', () => {
    // @ts-expect-error a Redis store needs the caller's ioredis client
    redisRateStore({ prefix: 'rt:' })
    // @ts-expect-error the store timeout is a duration
    redisRateStore({ client: {} as never, timeout: 'soon' })
    // @ts-expect-error the clock is a function
    memoryRateStore({ now: 0 })
    // @ts-expect-error tiers are required
    createRateTiers({ algorithm: 'gcra' })
    // @ts-expect-error an adapter needs the limiter
    rateTiersMiddleware({ key: () => 'k', tier: () => 'free' })
    // @ts-expect-error the key comes from the request, through a function
    rateTiersPlugin(Fastify(), { tiers, key: 'k', tier: () => 'free' }, () => {})
    // @ts-expect-error the body format is 'json' or 'problem+json'
    withRateTiers(() => new Response(), { tiers, key: () => 'k', tier: () => 'free', body: 'xml' })
    // @ts-expect-error headers are built from a decision
    rateLimitHeaders({ allowed: true })
  })
})
