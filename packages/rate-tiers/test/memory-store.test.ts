import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createRateTiers,
  memoryRateStore,
  type RateStore,
  type RateTiersEvent,
  type TiersConfig,
} from '../src/index'
import { describeRateStore } from '../src/testing'
import { ALGORITHMS } from '../src/types'

describeRateStore({ name: 'memory', create: () => memoryRateStore() })

describe('memory store decideInto', () => {
  // createRateTiers decides through a store's decideInto when it has one; a store wrapped in a plain
  // object with only `decide` takes the general path. Both must give the same decisions.
  it.each(ALGORITHMS)('%s: the same decisions as through RateStore.decide', async (algorithm) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            gap: fc.constantFrom(0, 0, 7, 100, 333),
            cost: fc.integer({ min: 1, max: 4 }),
            peek: fc.boolean(),
            tier: fc.constantFrom('free', 'pro'),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        async (calls) => {
          const clock = { now: 1_700_000_000_000 }
          const tiers: TiersConfig = {
            free: { api: '5/1s' },
            pro: { api: { limit: 9, window: '2s', burst: 4 } },
          }
          // No block cache: it runs on the process clock, which the two limiters would not see alike.
          const direct = createRateTiers({
            algorithm,
            tiers,
            store: memoryRateStore({ now: () => clock.now }),
            blockCacheSize: 0,
          })
          const inner = memoryRateStore({ now: () => clock.now })
          const wrapped: RateStore = {
            name: 'memory',
            decide: (c) => inner.decide(c),
            delete: (k, n) => inner.delete(k, n),
          }
          const general = createRateTiers({ algorithm, tiers, store: wrapped, blockCacheSize: 0 })
          for (const { gap, cost, peek, tier } of calls) {
            clock.now += gap
            const input = { key: 'k', tier, bucket: 'api', cost }
            const [a, b] = peek
              ? [await direct.peek(input), await general.peek(input)]
              : [await direct.consume(input), await general.consume(input)]
            expect(a).toStrictEqual(b)
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('caches its denials like any store', async () => {
    const clock = { now: 1_700_000_000_000 }
    const limiter = (blockCacheSize?: number) =>
      createRateTiers({
        tiers: { free: { api: '1/1m' } },
        store: memoryRateStore({ now: () => clock.now }),
        ...(blockCacheSize === undefined ? {} : { blockCacheSize }),
      })
    const [cached, uncached] = [limiter(), limiter(0)]
    const input = { key: 'k', tier: 'free', bucket: 'api' }
    for (const tiers of [cached, uncached]) {
      expect((await tiers.consume(input)).allowed).toBe(true)
      expect((await tiers.consume(input)).allowed).toBe(false)
    }
    // The store would admit again, but the cache holds the denial for its retry time in process time.
    clock.now += 120_000
    expect((await cached.consume(input)).allowed).toBe(false)
    expect((await uncached.consume(input)).allowed).toBe(true)
  })
})

describe('memory store failing', () => {
  // decideInto is called directly; a throw there must still be a store error.
  it.each([
    ['api', 'one limit'],
    ['both', 'two limits'],
  ])('a throwing store falls back like any other store (%s: %s)', async (bucket) => {
    let broken = true
    const events: RateTiersEvent[] = []
    const tiers = createRateTiers({
      store: memoryRateStore({
        now: () => {
          if (broken) throw new Error('clock broke')
          return Date.now()
        },
      }),
      tiers: { free: { api: '3/1m', both: ['3/1m', '5/1h'] } },
      onStoreError: 'deny',
      storeRetry: 1,
      onEvent: (e) => events.push(e),
    })
    const denied = await tiers.consume({ key: 'k', tier: 'free', bucket })
    expect(denied).toMatchObject({ allowed: false, retryAfterMs: 1 })
    expect(events.map((e) => e.type)).toEqual(['store-error'])
    broken = false
    await new Promise((r) => setTimeout(r, 5))
    expect(await tiers.consume({ key: 'k', tier: 'free', bucket })).toMatchObject({
      allowed: true,
      remaining: 2,
    })
    expect(events.map((e) => e.type)).toEqual(['store-error', 'store-recovered'])
    expect(await tiers.consume({ key: 'k', tier: 'free', bucket })).toMatchObject({
      allowed: true,
      remaining: 1,
    })
  })
})
