import { type RedisServer, startRedis } from '@rc/test-services'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPosterClient, type PosterClientEvent, type RateLimitStore } from '../src/index'
import { redisRateLimitStore } from '../src/redis'
import { createFakePoster, type FakePoster } from '../src/testing'
import { rejectionOf } from './helpers'

const TIMEOUT_MS = 300
// Ten times the store timeout: a busy machine must not fail this, a hang still does.
const BOUND_MS = 10 * TIMEOUT_MS
const policy = { windows: [{ windowMs: 1000, limit: 5 }], maxConcurrent: 2, leaseMs: 5000 }

let server: RedisServer
// A client as an app would make it: no commandTimeout, default reconnects and offline queue.
let client: Redis
let fake: FakePoster

beforeAll(async () => {
  server = await startRedis()
  client = new Redis(server.url)
  client.on('error', () => {})
  await new Promise((resolve) => client.once('ready', resolve))
  fake = await createFakePoster({ accounts: 1 })
})
afterAll(async () => {
  server.resume()
  client?.disconnect()
  await server?.destroy()
  await fake?.close()
})

// Releases still on their way to Redis.
const releases = new Set<Promise<void>>()
function withReleases(store: RateLimitStore): RateLimitStore {
  return {
    ...store,
    release(key, leaseId) {
      const released = store.release(key, leaseId)
      releases.add(released)
      released.then(
        () => releases.delete(released),
        () => releases.delete(released),
      )
      return released
    },
  }
}

async function within<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now()
  const value = await work
  return { value, ms: performance.now() - started }
}

describe('redisRateLimitStore with Redis frozen (SIGSTOP: the socket stays open, nothing answers)', () => {
  it('a Poster call fails with POSTER_LIMITER_UNAVAILABLE within the store timeout, sends nothing, and works again after the thaw', async () => {
    const { account, token } = fake.accounts[0]!
    const events: PosterClientEvent[] = []
    const poster = createPosterClient({
      account,
      token,
      baseUrl: fake.url,
      rateLimit: {
        store: withReleases(redisRateLimitStore({ client, prefix: 'frozen:', timeout: TIMEOUT_MS })),
      },
      onEvent: (e) => events.push(e),
    })
    await poster.storage.getStorages()
    // The call hands its lease back without waiting: let that land before the freeze, or it times
    // out (rightly) as a limiter-error of its own.
    await Promise.allSettled(releases)
    const sent = fake.requests.length

    server.pause()
    try {
      const { value: error, ms } = await within(rejectionOf(poster.storage.getStorages()))
      expect(error).toMatchObject({ code: 'POSTER_LIMITER_UNAVAILABLE' })
      expect((error.cause as Error).message).toMatch(/no answer within 300 ms/)
      expect(ms).toBeLessThan(BOUND_MS)
      expect(fake.requests.length).toBe(sent)
    } finally {
      server.resume()
    }
    // No manual step: the next call goes through Redis again.
    await poster.storage.getStorages()
    expect(fake.requests.length).toBe(sent + 1)
    expect(events.filter((e) => e.type === 'limiter-error')).toEqual([])
  }, 20_000)

  it('release and pause give up within the timeout too, and a grant that arrives late is handed back', async () => {
    const store = redisRateLimitStore({ client, prefix: 'frozen-ops:', timeout: TIMEOUT_MS })
    expect(await store.tryAcquire('acc', 'held', policy)).toEqual({ granted: true })
    server.pause()
    try {
      const ops = [
        () => store.tryAcquire('acc', 'late', policy),
        () => store.release('acc', 'held'),
        () => store.pause!('acc', 1000),
      ]
      for (const op of ops) {
        const { value: error, ms } = await within(rejectionOf(op()))
        expect(error.message).toMatch(/no answer within 300 ms/)
        expect(ms).toBeLessThan(BOUND_MS)
      }
    } finally {
      server.resume()
    }
    // The queued acquire runs once Redis wakes and is granted there: nobody holds it, so it must be
    // released at once rather than stay in flight (blocking a concurrency slot) for leaseMs.
    const reader = new Redis(server.url)
    try {
      const deadline = Date.now() + BOUND_MS
      let score: string | null = null
      let now = 0
      while (Date.now() < deadline) {
        score = await reader.zscore('frozen-ops:{acc}', 'late')
        now = Number((await reader.time())[0]) * 1000
        if (score !== null && Number(score) <= now + 1000) break
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(score).not.toBeNull()
      expect(Number(score)).toBeLessThanOrEqual(now + 1000)
    } finally {
      reader.disconnect()
    }
  }, 20_000)
})
