import { describe, expect, it } from 'vitest'
import { createRateTiers, type RateStore } from '../src/index'
import { redisRateStore } from '../src/redis'
import { useSharedRedis } from './support/shared-redis'

const { client, prefix } = useSharedRedis('rt-block')

/** The real Redis store, counting the decisions that reach it. */
function counted(): { store: RateStore; calls: () => number } {
  const inner = redisRateStore({ client, prefix })
  let calls = 0
  return {
    store: {
      name: inner.name,
      decide: (call) => {
        calls++
        return inner.decide(call)
      },
      delete: (key, names) => inner.delete(key, names),
    },
    calls: () => calls,
  }
}

const tiers = { free: { api: '2/1m' }, pro: { api: '50/1m' } }

describe('block cache of denied keys', () => {
  it('answers a flood from a denied key without a store round trip each', async () => {
    const { store, calls } = counted()
    const limiter = createRateTiers({ store, tiers })
    for (let i = 0; i < 3; i++) await limiter.consume({ key: 'flood', tier: 'free', bucket: 'api' })
    expect(calls()).toBe(3)
    const flood = await Promise.all(
      Array.from({ length: 200 }, () => limiter.consume({ key: 'flood', tier: 'free', bucket: 'api' })),
    )
    expect(calls()).toBe(3)
    for (const d of flood) {
      expect(d).toMatchObject({ allowed: false, remaining: 0, tier: 'free', bucket: 'api' })
      expect(d.retryAfterMs).toBeGreaterThan(0)
      expect(d.retryAfterMs).toBeLessThanOrEqual(60_000)
    }
  })

  it('does not hold back a plan upgrade, and reset clears it', async () => {
    const { store, calls } = counted()
    const limiter = createRateTiers({ store, tiers })
    for (let i = 0; i < 3; i++) await limiter.consume({ key: 'upgrade', tier: 'free', bucket: 'api' })
    expect((await limiter.consume({ key: 'upgrade', tier: 'pro', bucket: 'api' })).allowed).toBe(true)
    expect(calls()).toBe(4)
    await limiter.reset({ key: 'upgrade' })
    expect((await limiter.consume({ key: 'upgrade', tier: 'free', bucket: 'api' })).allowed).toBe(true)
    expect(calls()).toBe(5)
  })

  it('stays within its size, dropping the oldest entry', async () => {
    const { store, calls } = counted()
    const limiter = createRateTiers({ store, tiers, blockCacheSize: 2 })
    for (const key of ['a', 'b', 'c']) {
      for (let i = 0; i < 3; i++) await limiter.consume({ key, tier: 'free', bucket: 'api' })
    }
    const before = calls()
    await limiter.consume({ key: 'c', tier: 'free', bucket: 'api' })
    await limiter.consume({ key: 'b', tier: 'free', bucket: 'api' })
    expect(calls()).toBe(before)
    await limiter.consume({ key: 'a', tier: 'free', bucket: 'api' })
    expect(calls()).toBe(before + 1)
  })
})
