import { describe, expect, it } from 'vitest'
import {
  createRateTiers,
  memoryRateStore,
  type RateStore,
  type RateTiersEvent,
  rateLimitHeaders,
  type TiersConfig,
} from '../src/index'

const tiers: TiersConfig = {
  free: { api: '10/1m', analysis: '2/1h' },
  pro: { api: '100/1m', analysis: '20/1h' },
}

function counted(inner: RateStore = memoryRateStore()): { store: RateStore; calls: () => number } {
  let calls = 0
  return {
    store: {
      name: inner.name,
      decide: (call) => {
        calls++
        return inner.decide(call)
      },
      adjust: (a) => inner.adjust!(a),
      delete: (key, names) => inner.delete(key, names),
    },
    calls: () => calls,
  }
}

describe('per-key overrides', () => {
  it('gives one customer contract limits without a tier, and keeps their usage across a change', async () => {
    const limiter = createRateTiers({ tiers, overrides: { acme: { api: '1000/1m' } } })
    const d = await limiter.consume({ key: 'acme', tier: 'free', bucket: 'api', cost: 50 })
    expect(d).toMatchObject({ allowed: true, limit: 1000, remaining: 950, tier: 'free' })
    // No upgrade hint for a contract; the buckets it does not name stay the tier's.
    expect(d.nextTier).toBeUndefined()
    expect(await limiter.consume({ key: 'acme', tier: 'free', bucket: 'analysis' })).toMatchObject({
      limit: 2,
    })
    expect(await limiter.consume({ key: 'other', tier: 'free', bucket: 'api' })).toMatchObject({ limit: 10 })
  })

  it('limitsFor looks contracts up per call, sync or async, parsing each object once', async () => {
    const contract = { api: ['50/1m', '500/1d'] }
    let asked = 0
    const limiter = createRateTiers({
      tiers,
      limitsFor: async (key) => {
        asked++
        return key.startsWith('vip-') ? contract : undefined
      },
    })
    const d = await limiter.consume({ key: 'vip-1', tier: 'free', bucket: 'api' })
    expect(d.limits.map((l) => [l.name, l.limit, l.remaining])).toEqual([
      ['api:1m', 50, 49],
      ['api:1d', 500, 499],
    ])
    expect((await limiter.consume({ key: 'plain', tier: 'free', bucket: 'api' })).limit).toBe(10)
    expect(asked).toBe(2)
  })

  it('rejects a bad contract like a bad tier', async () => {
    expect(() => createRateTiers({ tiers, overrides: { acme: { api: '10 per minute' } } })).toThrow(
      /overrides\["acme"\]/,
    )
    const limiter = createRateTiers({ tiers, limitsFor: () => ({ api: 'lots' }) })
    await expect(limiter.consume({ key: 'k', tier: 'free', bucket: 'api' })).rejects.toMatchObject({
      code: 'RATE_TIERS_INVALID_CONFIG',
    })
  })
})

describe('shadow mode', () => {
  it('reports a tier in shadow without denying it, with an event, and leaves it out of headers', async () => {
    const events: RateTiersEvent[] = []
    const limiter = createRateTiers({
      tiers,
      shadow: { free: ['analysis'] },
      onEvent: (e) => events.push(e),
    })
    const seen = []
    for (let i = 0; i < 3; i++)
      seen.push(await limiter.consume({ key: 'k', tier: 'free', bucket: 'analysis' }))
    expect(seen.map((d) => d.allowed)).toEqual([true, true, true])
    expect(seen.map((d) => d.limits[0]!.allowed)).toEqual([true, true, false])
    expect(events).toMatchObject([{ type: 'shadow-denied', key: 'k', tier: 'free', bucket: 'analysis' }])
    expect(rateLimitHeaders(seen[2]!).RateLimit).toBeUndefined()
    expect(rateLimitHeaders(seen[2]!, { shadow: true }).RateLimit).toBe('"analysis";r=0;t=3600')
    // pro is enforced as usual.
    expect((await limiter.consume({ key: 'p', tier: 'pro', bucket: 'analysis', cost: 20 })).allowed).toBe(
      true,
    )
    expect((await limiter.consume({ key: 'p', tier: 'pro', bucket: 'analysis' })).allowed).toBe(false)
  })

  it('rejects a shadow entry for a tier or bucket that does not exist', () => {
    expect(() => createRateTiers({ tiers, shadow: { gold: true } })).toThrow(/gold/)
    expect(() => createRateTiers({ tiers, shadow: { free: ['export'] } })).toThrow(/shadow\.free/)
  })
})

describe('penalties through the block cache', () => {
  it('serves a blocked key from the cache with no store call for the whole block', async () => {
    const { store, calls } = counted()
    const limiter = createRateTiers({
      store,
      tiers: { t: { login: { limit: 2, window: '1s', blockFor: '15m' } } },
    })
    const login = { key: 'mallory', tier: 't', bucket: 'login' }
    for (let i = 0; i < 3; i++) await limiter.consume(login)
    const before = calls()
    const flood = await Promise.all(Array.from({ length: 500 }, () => limiter.consume(login)))
    expect(calls()).toBe(before)
    for (const d of flood) {
      expect(d.allowed).toBe(false)
      expect(d.retryAfterMs).toBeGreaterThan(14 * 60_000)
      const h = rateLimitHeaders(d)
      expect(Number(h['Retry-After'])).toBeGreaterThanOrEqual(Number(/t=(\d+)/.exec(h.RateLimit!)![1]))
    }
  })
})

describe('refund, settle and release', () => {
  it('refuses on a store without adjust, and concurrency limits need one at creation', async () => {
    const inner = memoryRateStore()
    const bare: RateStore = { name: 'bare', decide: (c) => inner.decide(c), delete: () => {} }
    const limiter = createRateTiers({ store: bare, tiers })
    const d = await limiter.consume({ key: 'k', tier: 'free', bucket: 'api' })
    await expect(limiter.refund(d)).rejects.toMatchObject({ code: 'RATE_TIERS_UNSUPPORTED' })
    expect(() => createRateTiers({ store: bare, tiers: { t: { c: { concurrency: 1 } } } })).toThrow(/adjust/)
  })

  it('rejects a negative or fractional amount', async () => {
    const limiter = createRateTiers({ tiers })
    const d = await limiter.consume({ key: 'k', tier: 'free', bucket: 'api' })
    await expect(limiter.refund(d, -1)).rejects.toMatchObject({ code: 'RATE_TIERS_INVALID_COST' })
    await expect(limiter.settle(d, 1.5)).rejects.toMatchObject({ code: 'RATE_TIERS_INVALID_COST' })
  })

  it('reports a store that fails an adjustment instead of throwing', async () => {
    const events: RateTiersEvent[] = []
    const inner = memoryRateStore()
    const flaky: RateStore = {
      name: 'flaky',
      decide: (c) => inner.decide(c),
      delete: () => {},
      adjust: () => {
        throw new Error('down')
      },
    }
    const limiter = createRateTiers({ store: flaky, tiers, onEvent: (e) => events.push(e) })
    await limiter.refund(await limiter.consume({ key: 'k', tier: 'free', bucket: 'api' }))
    expect(events).toMatchObject([{ type: 'adjust-error', store: 'flaky' }])
  })
})
