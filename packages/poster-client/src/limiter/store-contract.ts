import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { RateLimitPolicy, RateLimitStore } from './store'

/** What {@link describeRateLimitStore} needs: a name for the report and a store per test. */
export interface RateLimitStoreFactory {
  name: string
  /** A store over the shared backend; keys are unique per test, so one backend serves every test. */
  create: () => RateLimitStore | Promise<RateLimitStore>
  /** Whether the store implements the optional `pause`. Default true: its tests run. */
  pause?: boolean
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The contract every {@link RateLimitStore} keeps, as a vitest suite: run it against your own
 * backend with `describeRateLimitStore({ name: 'mine', create: () => myStore() })`. It runs in
 * real time (a store may take time from its server), about two seconds in all.
 */
export function describeRateLimitStore(factory: RateLimitStoreFactory): void {
  describe(`RateLimitStore contract: ${factory.name}`, () => {
    const key = () => `contract-${randomUUID()}`
    const policy = (windows: RateLimitPolicy['windows'], maxConcurrent = 100, leaseMs = 10_000) => ({
      windows,
      maxConcurrent,
      leaseMs,
    })

    it('grants up to the limit in a window, then says how long to wait, and that wait is honest', async () => {
      const store = await factory.create()
      const account = key()
      const p = policy([{ windowMs: 400, limit: 3 }])
      for (let i = 0; i < 3; i++) {
        expect(await store.tryAcquire(account, `l${i}`, p)).toEqual({ granted: true })
        await store.release(account, `l${i}`)
      }
      const denied = await store.tryAcquire(account, 'l3', p)
      expect(denied.granted).toBe(false)
      const wait = denied.granted ? 0 : denied.retryInMs
      expect(wait).toBeGreaterThan(0)
      expect(wait).toBeLessThanOrEqual(400)
      await sleep(wait + 20)
      expect(await store.tryAcquire(account, 'l3', p)).toEqual({ granted: true })
    })

    it('grants exactly the limit when many ask at once', async () => {
      const store = await factory.create()
      const account = key()
      const p = policy([{ windowMs: 5_000, limit: 4 }])
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => store.tryAcquire(account, `l${i}`, p)),
      )
      expect(results.filter((r) => r.granted)).toHaveLength(4)
    })

    it('enforces every window of the policy together', async () => {
      const store = await factory.create()
      const account = key()
      const p = policy([
        { windowMs: 200, limit: 2 },
        { windowMs: 5_000, limit: 3 },
      ])
      expect((await store.tryAcquire(account, 'a', p)).granted).toBe(true)
      expect((await store.tryAcquire(account, 'b', p)).granted).toBe(true)
      expect((await store.tryAcquire(account, 'c', p)).granted).toBe(false)
      await Promise.all(['a', 'b'].map((id) => store.release(account, id)))
      await sleep(250)
      // The short window has room again; the long one allows one more.
      expect((await store.tryAcquire(account, 'c', p)).granted).toBe(true)
      const denied = await store.tryAcquire(account, 'd', p)
      expect(denied.granted).toBe(false)
      if (!denied.granted) expect(denied.retryInMs).toBeGreaterThan(1_000)
    })

    it('holds at most maxConcurrent leases per key; a release frees one, other keys are unaffected', async () => {
      const store = await factory.create()
      const [a, b] = [key(), key()]
      const p = policy([{ windowMs: 1_000, limit: 100 }], 2)
      expect(await store.tryAcquire(a, '1', p)).toEqual({ granted: true })
      expect(await store.tryAcquire(a, '2', p)).toEqual({ granted: true })
      expect((await store.tryAcquire(a, '3', p)).granted).toBe(false)
      expect(await store.tryAcquire(b, '3', p)).toEqual({ granted: true })
      await store.release(a, '1')
      expect(await store.tryAcquire(a, '3', p)).toEqual({ granted: true })
    })

    it('counts a released request in the window from its release, not from its grant', async () => {
      const store = await factory.create()
      const account = key()
      const p = policy([{ windowMs: 300, limit: 1 }])
      expect(await store.tryAcquire(account, 'slow', p)).toEqual({ granted: true })
      await sleep(250) // the request is in flight: Poster may see it any time until its answer
      await store.release(account, 'slow')
      await sleep(100) // 350 ms after the grant, but only 100 ms after the release
      expect((await store.tryAcquire(account, 'next', p)).granted).toBe(false)
      await sleep(250)
      expect(await store.tryAcquire(account, 'next', p)).toEqual({ granted: true })
    })

    it('drops the lease of a holder that never released after leaseMs', async () => {
      const store = await factory.create()
      const account = key()
      const p = policy([{ windowMs: 50, limit: 10 }], 1, 200)
      expect(await store.tryAcquire(account, 'crashed', p)).toEqual({ granted: true })
      expect((await store.tryAcquire(account, 'next', p)).granted).toBe(false)
      await sleep(300)
      expect(await store.tryAcquire(account, 'next', p)).toEqual({ granted: true })
    })

    it.skipIf(factory.pause === false)(
      'pause holds every grant of the key until it ends; a shorter one keeps it; other keys go on',
      async () => {
        const store = await factory.create()
        const [account, other] = [key(), key()]
        const p = policy([{ windowMs: 1_000, limit: 100 }])
        expect(store.pause).toBeTypeOf('function')
        await store.pause!(account, 400)
        await store.pause!(account, 100) // a shorter pause does not cut the running one
        const denied = await store.tryAcquire(account, 'a', p)
        expect(denied.granted).toBe(false)
        expect(denied.granted ? 0 : denied.retryInMs).toBeGreaterThan(200)
        expect(denied.granted ? 0 : denied.retryInMs).toBeLessThanOrEqual(400)
        expect(await store.tryAcquire(other, 'b', p)).toEqual({ granted: true })
        await sleep(450)
        expect(await store.tryAcquire(account, 'a', p)).toEqual({ granted: true })
      },
    )

    it('ignores a release of a lease it never granted, or twice', async () => {
      const store = await factory.create()
      const account = key()
      const p = policy([{ windowMs: 5_000, limit: 1 }])
      await store.release(account, 'never-granted')
      expect(await store.tryAcquire(account, 'l1', p)).toEqual({ granted: true })
      await store.release(account, 'l1')
      await store.release(account, 'l1')
      expect((await store.tryAcquire(account, 'l2', p)).granted).toBe(false)
    })
  })
}
