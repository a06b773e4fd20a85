import { randomBytes } from 'node:crypto'
import { type RedisServer, startRedis } from '@rc/test-services'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cache, type CacheError, type CacheEvent, CacheStoreError, createCache } from '../src/index'
import { memoryStore } from '../src/memory'
import { redisStore } from '../src/redis'
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy'
import { waitForMode } from './support/wait-for-mode'

// The guarantee is 100 ms per call during an outage; tests assert 10x that so a
// busy CI machine cannot flake them, and use a 200 ms command timeout (the
// default is 50 ms) so a loaded machine does not open the circuit while
// seeding. bench/timing.ts measures the real figures with the defaults.
const CALL_BOUND_MS = 1_000
const RECOVERY_BOUND_MS = 20_000

let server: RedisServer
const clients: Redis[] = []
beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => {
  for (const c of clients) c.disconnect()
  await server?.destroy()
})

/** A client that reconnects quickly (ioredis's default backoff grows to 2 s). */
function client(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', retryStrategy: (times) => Math.min(times * 20, 200) })
  c.on('error', () => {})
  clients.push(c)
  return c
}

function makeCache(port: number, events: CacheEvent[] = []) {
  const c = client(port)
  const cache = createCache({
    store: redisStore({ client: c }),
    fallback: memoryStore(),
    prefix: `outage-${randomBytes(3).toString('hex')}`,
    grace: '1m',
    storeTimeout: 200,
    onEvent: (e) => events.push(e),
  })
  return { cache, client: c }
}

/** Runs a call, returning its duration; the call must not throw. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now()
  const value = await fn()
  return { ms: performance.now() - started, value }
}

/** The calls an app makes during an outage; returns the slowest. */
async function exerciseDuringOutage(cache: Cache): Promise<number> {
  const durations: number[] = []
  const run = async (fn: () => Promise<unknown>) => durations.push((await timed(fn)).ms)
  await run(() => cache.get('a'))
  await run(() => cache.set('b', 'during'))
  await run(() => cache.delete('c'))
  await run(() => cache.set('d', 'new'))
  await run(() => cache.invalidateTags(['vendor:1']))
  await run(() => cache.has('b'))
  await run(() => cache.getOrSet('e', () => 'loaded during outage'))
  await run(() => cache.namespace('t1').clear())
  for (let i = 0; i < 50; i++) await run(() => cache.get(`k${i}`))
  return Math.max(...durations)
}

async function seed(cache: Cache): Promise<void> {
  await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)
  await cache.set('a', 'before')
  await cache.set('b', 'before')
  await cache.set('c', 'before')
  await cache.set('tagged', 'before', { tags: ['vendor:1'] })
  await cache.namespace('t1').set('x', 'before')
}

async function assertNothingStale(cache: Cache): Promise<void> {
  expect(await cache.get('b')).toBe('during')
  expect(await cache.get('c')).toBeUndefined()
  expect(await cache.get('d')).toBe('new')
  expect(await cache.get('tagged')).toBeUndefined()
  expect(await cache.namespace('t1').get('x')).toBeUndefined()
  expect(await cache.get('e')).toBe('loaded during outage')
}

describe('Redis outage', () => {
  let proxy: TcpProxy
  beforeAll(async () => {
    proxy = await startTcpProxy(server.port)
  })
  afterAll(async () => {
    await proxy.close()
  })

  it('refused connections: served by the fallback at once, back to primary by itself, nothing stale', async () => {
    const events: CacheEvent[] = []
    const { cache } = makeCache(proxy.port, events)
    await seed(cache)
    await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)

    await proxy.cut()
    const slowest = await exerciseDuringOutage(cache)
    expect(slowest).toBeLessThan(CALL_BOUND_MS)
    expect(cache.stats().mode).toBe('fallback')
    expect(await cache.get('b')).toBe('during')
    expect(events.some((e) => e.type === 'fallback')).toBe(true)

    await proxy.restore()
    const recoveredIn = await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)
    expect(recoveredIn).toBeLessThan(RECOVERY_BOUND_MS)
    expect(events.some((e) => e.type === 'recover')).toBe(true)
    await assertNothingStale(cache)
    // And the primary itself holds the outage's writes (not only this instance).
    const { cache: other } = makeCache(proxy.port)
    expect(await other.get('a')).toBeUndefined()
    await cache.close()
    await other.close()
  })

  it('a second outage never serves what the first one left in the fallback', async () => {
    const { cache } = makeCache(proxy.port)
    await proxy.cut()
    await cache.set('k', 'first outage')
    await proxy.restore()
    await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)
    await cache.set('k', 'after recovery')
    await proxy.cut()
    expect(await cache.get('k')).toBeUndefined()
    await waitForMode(cache, 'fallback', RECOVERY_BOUND_MS)
    await proxy.restore()
    await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)
    expect(await cache.get('k')).toBe('after recovery')
    await cache.close()
  })
})

describe('Redis frozen with SIGSTOP', () => {
  it('does not wait on a frozen server: one timeout opens the circuit, later calls skip Redis', async () => {
    const { cache } = makeCache(server.port)
    await seed(cache)
    server.pause()
    try {
      const slowest = await exerciseDuringOutage(cache)
      expect(slowest).toBeLessThan(CALL_BOUND_MS)
      expect(cache.stats().mode).toBe('fallback')
      // With the circuit open, 200 calls cost nothing like 200 timeouts (200 x 50 ms = 10 s).
      const { ms } = await timed(async () => {
        for (let i = 0; i < 200; i++) await cache.get(`frozen-${i}`)
      })
      expect(ms).toBeLessThan(2_000)
    } finally {
      server.resume()
    }
    const recoveredIn = await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)
    expect(recoveredIn).toBeLessThan(RECOVERY_BOUND_MS)
    await assertNothingStale(cache)
    await cache.close()
  })
})

describe('Redis killed and restarted', () => {
  it('keeps answering while the server is gone and reconnects after a restart', async () => {
    const own = await startRedis()
    const { cache } = makeCache(own.port)
    try {
      await cache.set('k', 'v')
      await own.stop()
      const slowest = await exerciseDuringOutage(cache)
      expect(slowest).toBeLessThan(CALL_BOUND_MS)
      expect(cache.stats().mode).toBe('fallback')
      await own.start()
      await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)
      await assertNothingStale(cache)
    } finally {
      await cache.close()
      await own.destroy()
    }
  })
})

describe('outage log', () => {
  let proxy: TcpProxy
  beforeAll(async () => {
    proxy = await startTcpProxy(server.port)
  })
  afterAll(async () => {
    await proxy.close()
  })

  it('reports store failures as CacheStoreError, and replays soft expiry as soft', async () => {
    const events: CacheEvent[] = []
    const { cache } = makeCache(proxy.port, events)
    await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)
    await cache.set('menu', 'before')
    await cache.set('stock', 'before', { tags: ['stock'] })
    await proxy.cut()
    await cache.expire('menu')
    await cache.expireTags(['stock'])
    await waitForMode(cache, 'fallback', RECOVERY_BOUND_MS)
    const fallback = events.find((e) => e.type === 'fallback')!
    expect(fallback.error).toBeInstanceOf(CacheStoreError)
    expect((fallback.error as CacheStoreError).code).toBe('CACHE_STORE_UNAVAILABLE')
    expect((fallback.error as CacheStoreError).message).toMatch(/^\[@rc\/cache\] redis store /)
    await proxy.restore()
    await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)
    // Stale on the primary, not gone: a failing loader still gets the old values.
    expect(await cache.get('menu')).toBeUndefined()
    const failing = () => Promise.reject(new Error('down'))
    expect(await cache.getOrSet('menu', failing)).toBe('before')
    expect(await cache.getOrSet('stock', failing)).toBe('before')
    await cache.close()
  })

  it('past maxOutageKeys: an outage-overflow event, and recovery clears the prefix (and only it)', async () => {
    const events: CacheEvent[] = []
    const c = client(proxy.port)
    const prefix = `overflow-${randomBytes(3).toString('hex')}`
    const cache = createCache({
      store: redisStore({ client: c }),
      fallback: memoryStore(),
      prefix,
      storeTimeout: 200,
      maxOutageKeys: 10,
      onEvent: (e) => events.push(e),
    })
    const { cache: neighbour } = makeCache(server.port)
    await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)
    await cache.set('written before', 'v')
    await neighbour.set('other prefix', 'kept')
    await proxy.cut()
    for (let i = 0; i < 25; i++) await cache.set(`during:${i}`, i)
    const overflows = events.filter((e) => e.type === 'outage-overflow')
    expect(overflows).toHaveLength(1)
    expect((overflows[0]!.error as CacheError).code).toBe('CACHE_OUTAGE_LOG_OVERFLOW')
    await proxy.restore()
    await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)
    expect(await cache.get('written before')).toBeUndefined()
    expect(await cache.get('during:3')).toBeUndefined()
    expect(await neighbour.get('other prefix')).toBe('kept')
    await cache.close()
    await neighbour.close()
  })
})
