import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { createRateTiers, type RateStore, type TiersConfig } from '../src/index'
import { ALGORITHMS } from '../src/types'

/**
 * What every store must do for every algorithm. Windows are a day long (so an aligned window edge
 * never falls inside a test) except where a test waits for a window to pass.
 */
export function describeRateStore(label: string, getStore: () => RateStore): void {
  describe.each(ALGORITHMS)(`${label} store, %s`, (algorithm) => {
    const limiter = (tiers: TiersConfig) =>
      createRateTiers({ store: getStore(), algorithm, tiers, blockCacheSize: 0 })
    const key = () => `key-${randomBytes(6).toString('hex')}`

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

    it('admits the same call again once retryAfterMs has passed', async () => {
      const tiers = limiter({ free: { api: '2/400ms' } })
      const k = key()
      let denied = await tiers.consume({ key: k, tier: 'free', bucket: 'api' })
      while (denied.allowed) denied = await tiers.consume({ key: k, tier: 'free', bucket: 'api' })
      expect(denied.retryAfterMs).toBeGreaterThan(0)
      expect(denied.retryAfterMs).toBeLessThanOrEqual(800)
      await sleep(denied.retryAfterMs + 15)
      expect((await tiers.consume({ key: k, tier: 'free', bucket: 'api' })).allowed).toBe(true)
    })
  })
}
