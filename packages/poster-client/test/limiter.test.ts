import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createPosterClient,
  createRateLimiter,
  type Lease,
  memoryRateLimitStore,
  type PosterClientEvent,
} from '../src/index'
import { createFakePoster, describeRateLimitStore, type FakePoster } from '../src/testing'
import { maxInWindow, rejectionOf } from './helpers'

describeRateLimitStore({ name: 'memory', create: () => memoryRateLimitStore() })

describe('memoryRateLimitStore', () => {
  it('grants exactly when every window has room, counting in-flight requests as now (property)', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('acquire' as const), gap: fc.integer({ min: 0, max: 400 }) }),
      fc.record({
        kind: fc.constant('release' as const),
        gap: fc.integer({ min: 0, max: 400 }),
        pick: fc.nat(),
      }),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        async (ops, perSecond, perMinuteExtra, maxConcurrent) => {
          let now = 0
          const store = memoryRateLimitStore({ now: () => now, pollMs: 7 })
          const windows = [
            { windowMs: 1000, limit: perSecond },
            { windowMs: 60_000, limit: perSecond + perMinuteExtra },
          ]
          const policy = { windows, maxConcurrent, leaseMs: 1e9 }
          // The model: lease id -> release time, Infinity while in flight.
          const slots = new Map<string, number>()
          const occupied = (at: number, w: { windowMs: number }) =>
            [...slots.values()].filter((t) => t > at - w.windowMs).length
          for (const [i, o] of ops.entries()) {
            now += o.gap
            if (o.kind === 'release') {
              const inFlight = [...slots].filter(([, t]) => t === Number.POSITIVE_INFINITY)
              if (inFlight.length === 0) continue
              const [id] = inFlight[o.pick % inFlight.length]!
              await store.release('acc', id)
              slots.set(id, now)
              continue
            }
            const result = await store.tryAcquire('acc', `l${i}`, policy)
            const busy = [...slots.values()].filter((t) => t === Number.POSITIVE_INFINITY).length
            const room = busy < maxConcurrent && windows.every((w) => occupied(now, w) < w.limit)
            if (result.granted !== room) return false
            if (result.granted) slots.set(`l${i}`, Number.POSITIVE_INFINITY)
            else if (result.retryInMs !== 7) {
              // Unless it must poll for an in-flight request, nothing could be granted sooner than
              // the promised wait, and with nothing in flight room opens exactly then.
              const at = now + result.retryInMs
              if (windows.every((w) => occupied(at - 1, w) < w.limit)) return false
              if (busy === 0 && !windows.every((w) => occupied(at, w) < w.limit)) return false
            }
          }
          return true
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('createRateLimiter', () => {
  const policy = { windows: [{ windowMs: 100, limit: 2 }], maxConcurrent: 10, leaseMs: 10_000 }

  it('serves waiters in arrival order', async () => {
    const limiter = createRateLimiter({ key: 'fifo', store: memoryRateLimitStore(), policy })
    const order: number[] = []
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        limiter.acquire().then((lease) => {
          order.push(i)
          lease.release()
        }),
      ),
    )
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  it('an aborted waiter leaves the queue and the next one moves up', async () => {
    const limiter = createRateLimiter({ key: 'abort', store: memoryRateLimitStore(), policy })
    const leases: Lease[] = [await limiter.acquire(), await limiter.acquire()]
    const controller = new AbortController()
    const aborted = limiter.acquire(controller.signal)
    const next = limiter.acquire()
    expect(limiter.pending).toBe(2)
    controller.abort()
    expect(await rejectionOf(aborted)).toMatchObject({ code: 'POSTER_ABORTED' })
    expect(limiter.pending).toBe(1)
    leases[0]!.release()
    const started = Date.now()
    leases.push(await next)
    // Served once the first lease is back and its window has passed, not at lease expiry (10 s).
    expect(Date.now() - started).toBeLessThan(2000)
    for (const lease of leases) lease.release()
    expect(await rejectionOf(limiter.acquire(AbortSignal.abort()))).toMatchObject({ code: 'POSTER_ABORTED' })
  })

  it('a failing store rejects with POSTER_LIMITER_UNAVAILABLE', async () => {
    const limiter = createRateLimiter({
      key: 'broken',
      store: {
        tryAcquire: () => Promise.reject(new Error('connection lost')),
        release: () => Promise.resolve(),
      },
      policy,
    })
    expect(await rejectionOf(limiter.acquire())).toMatchObject({ code: 'POSTER_LIMITER_UNAVAILABLE' })
  })
})

describe('the client throttles per account against the fake server', () => {
  let fake: FakePoster
  beforeAll(async () => {
    fake = await createFakePoster({ accounts: 2, rateLimit: { perSecond: 4 } })
  })
  afterAll(() => fake.close())

  it('never sends more than perSecond in any second, never gets a 429, and keeps maxConcurrent', async () => {
    const { account, token } = fake.accounts[0]!
    const poster = createPosterClient({
      account,
      token,
      baseUrl: fake.url,
      rateLimit: { perSecond: 4, maxConcurrent: 2 },
    })
    fake.setFaults({ slow: 0.5, slowDelay: '150ms' })
    const started = Date.now()
    await Promise.all(Array.from({ length: 14 }, () => poster.storage.getStorages()))
    fake.setFaults({})
    const mine = fake.requests.filter((r) => r.account === account)
    expect(mine).toHaveLength(14)
    expect(mine.filter((r) => r.status === 429)).toHaveLength(0)
    expect(
      maxInWindow(
        mine.map((r) => r.at),
        1000,
      ),
    ).toBeLessThanOrEqual(4)
    // 14 calls at 4/s need at least three full windows.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000)
    let inFlight = 0
    let peak = 0
    const edges = mine.flatMap((r) => [
      { t: r.at, d: 1 },
      { t: r.at + (r.outcome === 'slow' ? 150 : 0), d: -1 },
    ])
    for (const e of edges.sort((a, b) => a.t - b.t || a.d - b.d)) {
      inFlight += e.d
      peak = Math.max(peak, inFlight)
    }
    expect(peak).toBeLessThanOrEqual(2)
  })

  it('a client per account: one account throttled does not slow another', async () => {
    const [a, b] = fake.accounts
    const slow = createPosterClient({
      account: a!.account,
      token: a!.token,
      baseUrl: fake.url,
      rateLimit: { perSecond: 1 },
    })
    const fast = createPosterClient({
      account: b!.account,
      token: b!.token,
      baseUrl: fake.url,
      rateLimit: { perSecond: 50 },
    })
    const slowRun = Promise.all(Array.from({ length: 3 }, () => slow.access.getSpots()))
    const started = Date.now()
    await Promise.all(Array.from({ length: 3 }, () => fast.access.getSpots()))
    expect(Date.now() - started).toBeLessThan(1500)
    await slowRun
  })

  it('reports a store that fails to release a slot instead of dropping the error', async () => {
    const [a] = fake.accounts
    const inner = memoryRateLimitStore()
    const events: PosterClientEvent[] = []
    const client = createPosterClient({
      account: a!.account,
      token: a!.token,
      baseUrl: fake.url,
      rateLimit: {
        perSecond: 50,
        store: {
          tryAcquire: (...args) => inner.tryAcquire(...args),
          release: async () => Promise.reject(new Error('READONLY replica')),
        },
      },
      onEvent: (event) => events.push(event),
    })
    await client.access.getSpots()
    await new Promise((resolve) => setImmediate(resolve))
    expect(events.filter((e) => e.type === 'limiter-error')).toEqual([
      { type: 'limiter-error', operation: 'release', message: 'READONLY replica' },
    ])
  })
})
