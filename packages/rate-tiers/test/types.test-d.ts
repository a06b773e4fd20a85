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
import { describeRateStore } from '../src/testing'

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

  it('types the 0.2 controls and refuses their misuse', () => {
    createRateTiers({
      tiers: {
        free: {
          api: ['20/1m', { limit: 500, window: '1d', shadow: true }],
          login: {
            limit: 5,
            window: '15m',
            chargeDenied: true,
            blockFor: { duration: '1m', factor: 2, max: '1h' },
          },
          inflight: { concurrency: 5, lease: '30s' },
        },
      },
      shadow: { free: ['api'] },
      overrides: { acme: { api: '1000/1m' } },
      limitsFor: async () => undefined,
      presence: { interval: '5s' },
    })
    // @ts-expect-error a concurrency has no window
    createRateTiers({ tiers: { free: { c: { concurrency: 5, window: '1m' } } } })
    // @ts-expect-error blockFor is a duration or a policy
    createRateTiers({ tiers: { free: { a: { limit: 1, window: '1m', blockFor: true } } } })
    // @ts-expect-error shadow lists buckets, or true for the whole tier
    createRateTiers({ tiers: { free: { api: '1/1m' } }, shadow: { free: 'api' } })
    const d = {} as RateDecision
    expectTypeOf(tiers.refund(d)).resolves.toBeVoid()
    expectTypeOf(tiers.settle(d, 3)).resolves.toBeVoid()
    expectTypeOf(tiers.release(d)).resolves.toBeVoid()
    expectTypeOf(d.nextMs).toBeNumber()
    // @ts-expect-error settle needs the actual cost
    tiers.settle(d)
    describeRateStore({ name: 'mine', create: () => memoryRateStore() })
    // @ts-expect-error the factory makes a store
    describeRateStore({ name: 'mine', create: () => 'redis' })
    rateTiersMiddleware({
      tiers,
      key: () => 'k',
      tier: () => 'free',
      skipFailed: true,
      skipSuccessful: false,
    })
  })
})
