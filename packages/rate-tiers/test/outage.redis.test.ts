import { type RedisServer, startRedis } from '@rc/test-services'
import Redis from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRateTiers, type RateDecision, type RateTiersEvent, type StoreErrorMode } from '../src/index'
import { redisRateStore } from '../src/redis'

const TIMEOUT_MS = 200
// Ten times the command timeout: a busy machine must not fail this, a hang still does.
const BOUND_MS = 10 * TIMEOUT_MS

let redis: RedisServer
let client: Redis

beforeAll(async () => {
  redis = await startRedis()
  client = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => 100 })
  client.on('error', () => {})
  await client.connect()
})
afterAll(async () => {
  client?.disconnect()
  await redis?.destroy()
})

async function timed(work: () => Promise<RateDecision>): Promise<RateDecision> {
  const started = performance.now()
  const decision = await work()
  expect(performance.now() - started).toBeLessThan(BOUND_MS)
  return decision
}

const outages = {
  stopped: { begin: () => redis.stop(), end: () => redis.start() },
  frozen: {
    begin: async () => redis.pause(),
    end: async () => redis.resume(),
  },
} as const

describe.each(Object.keys(outages) as (keyof typeof outages)[])('Redis %s mid-run', (outage) => {
  it.each<StoreErrorMode>(['memory', 'allow', 'deny'])(
    "onStoreError '%s' answers within the timeout, then returns to Redis by itself",
    async (mode) => {
      const events: RateTiersEvent[] = []
      const tiers = createRateTiers({
        store: redisRateStore({ client, timeout: TIMEOUT_MS }),
        tiers: { free: { api: '3/1m' } },
        onStoreError: mode,
        storeRetry: '150ms',
        onEvent: (event) => events.push(event),
      })
      const key = `${outage}-${mode}`
      const storageKey = `rt:{${key}}:api:60000:sl`
      expect((await tiers.consume({ key, tier: 'free', bucket: 'api' })).remaining).toBe(2)
      expect(await redis.cli('LLEN', storageKey)).toBe('1')

      await outages[outage].begin()
      const during: RateDecision[] = []
      try {
        for (let i = 0; i < 5; i++)
          during.push(await timed(() => tiers.consume({ key, tier: 'free', bucket: 'api' })))
      } finally {
        await outages[outage].end()
      }
      const allowed = during.map((d) => d.allowed)
      if (mode === 'memory') expect(allowed).toEqual([true, true, true, false, false])
      if (mode === 'allow') expect(allowed).toEqual([true, true, true, true, true])
      if (mode === 'deny') {
        expect(allowed).toEqual([false, false, false, false, false])
        for (const d of during) expect(d.retryAfterMs).toBeGreaterThan(0)
      }
      expect(events).toHaveLength(1)
      expect(events[0]).toMatchObject({ type: 'store-error', store: 'redis', mode })

      // No manual step: calls alone bring decisions back to Redis once it answers again.
      const deadline = Date.now() + 15_000
      while (!events.some((e) => e.type === 'store-recovered')) {
        if (Date.now() > deadline) throw new Error('decisions did not return to Redis')
        await timed(() => tiers.peek({ key: `${key}-probe`, tier: 'free', bucket: 'api' }))
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(events.map((e) => e.type)).toEqual(['store-error', 'store-recovered'])
      await tiers.reset({ key })
      expect((await tiers.consume({ key, tier: 'free', bucket: 'api' })).remaining).toBe(2)
      expect(await redis.cli('LLEN', storageKey)).toBe('1')
    },
  )
})
