import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRateTiers } from './core/create-rate-tiers'
import { ALGORITHMS, type RateStore, type TiersConfig } from './types'

/** How `describeRateStore` gets the store under test, and how it is torn down. */
export interface RateStoreFactory {
  /** Shown in test names. */
  name: string
  /** The store; keys are unique per test, so one shared backend serves the whole suite. */
  create(): RateStore | Promise<RateStore>
  /** Runs after the suite (close clients, stop servers). */
  cleanup?(): void | Promise<void>
}

/**
 * The contract every `RateStore` keeps, for every algorithm, as a vitest suite run through
 * `createRateTiers` (block cache off, so every answer is the store's): exact bursts, all-or-nothing
 * buckets, honest retry and `t` times, and, for stores with `adjust`, refunds, settles and
 * concurrency leases. Run it against your own store with
 * `describeRateStore({ name: 'mine', create: () => myStore() })`. Real time; a few seconds in all.
 */
export function describeRateStore(factory: RateStoreFactory): void {
  describe(`RateStore contract: ${factory.name}`, () => {
    let store: RateStore
    beforeAll(async () => {
      store = await factory.create()
    })
    afterAll(async () => {
      await factory.cleanup?.()
    })
    const adjusts = () => store.adjust !== undefined

    describe.each(ALGORITHMS)('%s', (algorithm) => {
      const limiter = (tiers: TiersConfig) =>
        createRateTiers({ store, algorithm, tiers, blockCacheSize: 0, presence: false })
      const key = () => `contract-${randomBytes(6).toString('hex')}`

      it('admits exactly the limit in a burst, counts remaining down, then denies with a retry time', async () => {
        const tiers = limiter({ free: { api: '5/1d' } })
        const k = key()
        const seen = []
        for (let i = 0; i < 7; i++) seen.push(await tiers.consume({ key: k, tier: 'free', bucket: 'api' }))
        expect(seen.map((d) => d.allowed)).toEqual([true, true, true, true, true, false, false])
        expect(seen.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0])
        const denied = seen[6]!
        expect(denied).toMatchObject({
          tier: 'free',
          bucket: 'api',
          limit: 5,
          policy: '"api";q=5;w=86400',
          windowMs: 86_400_000,
        })
        expect(denied.retryAfterMs).toBeGreaterThan(0)
        // sliding-window may have to wait out the rest of this window and part of the next.
        expect(denied.retryAfterMs).toBeLessThanOrEqual(
          algorithm === 'sliding-window' ? 2 * 86_400_000 : 86_400_000,
        )
        // More quota comes no later than the denied call could retry.
        expect(denied.nextMs).toBeGreaterThan(0)
        expect(denied.nextMs).toBeLessThanOrEqual(denied.retryAfterMs)
        expect(seen[0]!.retryAfterMs).toBe(0)
        expect(seen[0]!.resetMs).toBeGreaterThan(0)
      })

      it('charges nothing for a denied call', async () => {
        const tiers = limiter({ free: { api: '5/1d' } })
        const k = key()
        expect((await tiers.consume({ key: k, tier: 'free', bucket: 'api', cost: 3 })).remaining).toBe(2)
        expect((await tiers.consume({ key: k, tier: 'free', bucket: 'api', cost: 3 })).allowed).toBe(false)
        const last = await tiers.consume({ key: k, tier: 'free', bucket: 'api', cost: 2 })
        expect(last).toMatchObject({ allowed: true, remaining: 0 })
      })

      it('checks and charges several buckets all or nothing, naming the denying one', async () => {
        const tiers = limiter({
          free: { api: '5/1d', analysis: '3/1d' },
          pro: { api: '50/1d', analysis: '30/1d' },
        })
        const k = key()
        await tiers.consume({ key: k, tier: 'free', bucket: 'analysis', cost: 3 })
        const d = await tiers.consume({ key: k, tier: 'free', buckets: ['api', 'analysis'] })
        expect(d).toMatchObject({ allowed: false, bucket: 'analysis', limit: 3 })
        expect(d.nextTier).toEqual({ tier: 'pro', limit: 30, windowMs: 86_400_000 })
        expect(d.limits.map((l) => [l.bucket, l.allowed])).toEqual([
          ['api', true],
          ['analysis', false],
        ])
        expect((await tiers.peek({ key: k, tier: 'free', bucket: 'api' })).remaining).toBe(5)
        const both = await tiers.consume({ key: k, tier: 'pro', buckets: ['api', 'analysis'] })
        expect(both).toMatchObject({ allowed: true, bucket: 'analysis', remaining: 26 })
        expect(both.limits.map((l) => l.remaining)).toEqual([49, 26])
      })

      it('applies a plan change on the next call and carries the usage over', async () => {
        const tiers = limiter({ free: { api: '3/1d' }, pro: { api: '10/1d' } })
        const k = key()
        for (let i = 0; i < 3; i++) await tiers.consume({ key: k, tier: 'free', bucket: 'api' })
        expect((await tiers.consume({ key: k, tier: 'free', bucket: 'api' })).allowed).toBe(false)
        expect(await tiers.consume({ key: k, tier: 'pro', bucket: 'api' })).toMatchObject({
          allowed: true,
          remaining: 6,
        })
      })

      it('peek does not charge; reset forgets; keys are independent', async () => {
        const tiers = limiter({ free: { api: '2/1d', analysis: '2/1d' } })
        const [a, b] = [key(), key()]
        await tiers.consume({ key: a, tier: 'free', bucket: 'api', cost: 2 })
        await tiers.consume({ key: a, tier: 'free', bucket: 'analysis', cost: 2 })
        expect(await tiers.peek({ key: a, tier: 'free', bucket: 'api' })).toMatchObject({
          allowed: false,
          remaining: 0,
        })
        expect(await tiers.peek({ key: b, tier: 'free', bucket: 'api' })).toMatchObject({
          allowed: true,
          remaining: 2,
        })
        expect((await tiers.peek({ key: b, tier: 'free', bucket: 'api' })).remaining).toBe(2)
        await tiers.reset({ key: a, bucket: 'api' })
        expect((await tiers.peek({ key: a, tier: 'free', bucket: 'api' })).remaining).toBe(2)
        expect((await tiers.peek({ key: a, tier: 'free', bucket: 'analysis' })).remaining).toBe(0)
        await tiers.reset({ key: a })
        expect((await tiers.peek({ key: a, tier: 'free', bucket: 'analysis' })).remaining).toBe(2)
      })

      it('admits the same call again once retryAfterMs has passed, and has more quota once nextMs has', async () => {
        const tiers = limiter({ free: { api: '2/400ms' } })
        const k = key()
        let denied = await tiers.consume({ key: k, tier: 'free', bucket: 'api' })
        while (denied.allowed) denied = await tiers.consume({ key: k, tier: 'free', bucket: 'api' })
        expect(denied.retryAfterMs).toBeGreaterThan(0)
        expect(denied.retryAfterMs).toBeLessThanOrEqual(800)
        await sleep(denied.nextMs + 15)
        expect((await tiers.peek({ key: k, tier: 'free', bucket: 'api' })).remaining).toBeGreaterThan(0)
        await sleep(Math.max(0, denied.retryAfterMs - denied.nextMs))
        expect((await tiers.consume({ key: k, tier: 'free', bucket: 'api' })).allowed).toBe(true)
      })

      it('charges a denied call on limits that say chargeDenied, and only there', async () => {
        const tiers = limiter({
          free: { api: { limit: 5, window: '1d', chargeDenied: true }, other: '5/1d', gate: '1/1d' },
        })
        const k = key()
        await tiers.consume({ key: k, tier: 'free', bucket: 'gate' })
        const d = await tiers.consume({ key: k, tier: 'free', buckets: ['api', 'other', 'gate'], cost: 1 })
        expect(d).toMatchObject({ allowed: false, bucket: 'gate' })
        expect((await tiers.peek({ key: k, tier: 'free', bucket: 'api' })).remaining).toBe(4)
        expect((await tiers.peek({ key: k, tier: 'free', bucket: 'other' })).remaining).toBe(5)
      })

      it('blocks a key that went over for blockFor, longer for a repeat offender', async () => {
        const tiers = limiter({
          free: { api: { limit: 1, window: '100ms', blockFor: { duration: '400ms', factor: 2 } } },
        })
        const k = key()
        expect((await tiers.consume({ key: k, tier: 'free', bucket: 'api' })).allowed).toBe(true)
        const first = await tiers.consume({ key: k, tier: 'free', bucket: 'api' })
        expect(first.allowed).toBe(false)
        expect(first.retryAfterMs).toBeGreaterThan(300)
        expect(first.retryAfterMs).toBeLessThanOrEqual(400)
        // The window is long over, the block is not.
        await sleep(200)
        const still = await tiers.consume({ key: k, tier: 'free', bucket: 'api' })
        expect(still.allowed).toBe(false)
        expect(still.retryAfterMs).toBeLessThanOrEqual(first.retryAfterMs)
        await sleep(still.retryAfterMs + 20)
        expect((await tiers.consume({ key: k, tier: 'free', bucket: 'api' })).allowed).toBe(true)
        const again = await tiers.consume({ key: k, tier: 'free', bucket: 'api' })
        expect(again.allowed).toBe(false)
        expect(again.retryAfterMs).toBeGreaterThan(700)
        expect(again.retryAfterMs).toBeLessThanOrEqual(800)
      })

      it('never denies for a shadow limit, and charges it only for calls it would admit', async () => {
        const tiers = limiter({ free: { api: ['10/1d', { limit: 2, window: '12h', shadow: true }] } })
        const k = key()
        const seen = []
        for (let i = 0; i < 4; i++) seen.push(await tiers.consume({ key: k, tier: 'free', bucket: 'api' }))
        expect(seen.map((d) => d.allowed)).toEqual([true, true, true, true])
        expect(seen.map((d) => d.limits[1]!.allowed)).toEqual([true, true, false, false])
        expect(seen.map((d) => d.limits[1]!.shadow)).toEqual([true, true, true, true])
        expect(seen[3]).toMatchObject({ remaining: 6, bucket: 'api', policy: '"api:1d";q=10;w=86400' })
        const peek = await tiers.peek({ key: k, tier: 'free', bucket: 'api' })
        expect(peek.limits.map((l) => l.remaining)).toEqual([6, 0])
      })

      it('refunds and settles on every limit the decision charged, never more', async (context) => {
        // Stores without `adjust` cannot refund, settle or release; the suite says so as a skip.
        if (!adjusts()) return context.skip()
        const tiers = limiter({ free: { api: '10/1d', analysis: '6/1d' } })
        const k = key()
        const both = { key: k, tier: 'free', buckets: ['api', 'analysis'] }
        const d = await tiers.consume({ ...both, cost: 4 })
        await tiers.refund(d, 1)
        expect((await tiers.peek(both)).limits.map((l) => l.remaining)).toEqual([7, 3])
        await tiers.settle(d, 5)
        expect((await tiers.peek(both)).limits.map((l) => l.remaining)).toEqual([5, 1])
        await tiers.settle(d, 2)
        expect((await tiers.peek(both)).limits.map((l) => l.remaining)).toEqual([8, 4])
        await tiers.refund(d)
        await tiers.refund(d)
        expect((await tiers.peek(both)).limits.map((l) => l.remaining)).toEqual([10, 6])
        // A denied call charged nothing, so it has nothing to give back.
        await tiers.consume({ key: k, tier: 'free', bucket: 'analysis', cost: 6 })
        const denied = await tiers.consume({ ...both, cost: 1 })
        expect(denied.allowed).toBe(false)
        await tiers.refund(denied)
        expect((await tiers.peek(both)).limits.map((l) => l.remaining)).toEqual([10, 0])
      })

      it('refunds the units of the decision itself, not of later calls', async (context) => {
        // Stores without `adjust` cannot refund, settle or release; the suite says so as a skip.
        if (!adjusts()) return context.skip()
        // On sliding-log, giving back later entries would free quota too early.
        const tiers = limiter({ free: { api: '3/400ms' } })
        const k = key()
        const first = await tiers.consume({ key: k, tier: 'free', bucket: 'api' })
        await sleep(200)
        await tiers.consume({ key: k, tier: 'free', bucket: 'api', cost: 2 })
        await tiers.refund(first)
        const after = await tiers.peek({ key: k, tier: 'free', bucket: 'api' })
        expect(after.remaining).toBe(1)
        if (algorithm === 'sliding-log') {
          await sleep(250)
          // 450 ms after the first call, 250 after the others: they still count.
          expect((await tiers.peek({ key: k, tier: 'free', bucket: 'api' })).remaining).toBe(1)
        }
      })

      it('holds concurrency leases atomically with the rate limits, until released or expired', async (context) => {
        // Stores without `adjust` cannot refund, settle or release; the suite says so as a skip.
        if (!adjusts()) return context.skip()
        const tiers = limiter({ free: { api: '3/1d', inflight: { concurrency: 2, lease: '300ms' } } })
        const k = key()
        const both = { key: k, tier: 'free', buckets: ['api', 'inflight'] }
        const a = await tiers.consume(both)
        const b = await tiers.consume(both)
        expect([a.allowed, b.allowed]).toEqual([true, true])
        const c = await tiers.consume(both)
        expect(c).toMatchObject({ allowed: false, bucket: 'inflight' })
        expect(c.retryAfterMs).toBeGreaterThan(0)
        // Denied by the concurrency: no rate unit was charged.
        expect((await tiers.peek({ key: k, tier: 'free', bucket: 'api' })).remaining).toBe(1)
        await tiers.release(a)
        await tiers.release(a)
        const d = await tiers.consume(both)
        expect(d.allowed).toBe(true)
        // Denied by the rate limit: no lease was taken.
        await tiers.release(d)
        expect((await tiers.consume(both)).allowed).toBe(false)
        expect((await tiers.peek({ key: k, tier: 'free', bucket: 'inflight' })).remaining).toBe(1)
        // b never released: its lease ends with its ttl.
        await sleep(350)
        expect((await tiers.peek({ key: k, tier: 'free', bucket: 'inflight' })).remaining).toBe(2)
      })

      it('keeps a lease for its own ttl when tiers give one bucket different ttls', async (context) => {
        if (!adjusts()) return context.skip()
        const tiers = limiter({
          free: { inflight: { concurrency: 3, lease: '2s' } },
          pro: { inflight: { concurrency: 3, lease: '150ms' } },
        })
        const k = key()
        await tiers.consume({ key: k, tier: 'free', bucket: 'inflight' })
        await tiers.consume({ key: k, tier: 'pro', bucket: 'inflight' })
        expect((await tiers.peek({ key: k, tier: 'free', bucket: 'inflight' })).remaining).toBe(1)
        await sleep(300)
        // The short lease ended; the long one is still held.
        expect((await tiers.peek({ key: k, tier: 'free', bucket: 'inflight' })).remaining).toBe(2)
      })
    })
  })
}
