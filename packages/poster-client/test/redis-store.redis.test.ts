import { randomUUID } from 'node:crypto'
import {
  type RedisCluster,
  type RedisServer,
  startRedis,
  startRedisCluster,
  TEST_REDIS_URL,
} from '@rc/test-services'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPosterClient } from '../src/index'
import { redisRateLimitStore } from '../src/redis'
import { createFakePoster, describeRateLimitStore, type FakePoster } from '../src/testing'
import { maxInWindow, rejectionOf } from './helpers'

const prefix = `test:poster:${randomUUID()}:`
let shared: Redis
let fake: FakePoster

beforeAll(async () => {
  shared = new Redis(TEST_REDIS_URL)
  fake = await createFakePoster({ accounts: 2, rateLimit: { perSecond: 3 } })
})
afterAll(async () => {
  const keys = await shared.keys(`${prefix}*`)
  if (keys.length > 0) await shared.del(...keys)
  shared.disconnect()
  await fake.close()
})

const policy = { windows: [{ windowMs: 1000, limit: 3 }], maxConcurrent: 2, leaseMs: 5000 }

describeRateLimitStore({ name: 'redis', create: () => redisRateLimitStore({ client: shared, prefix }) })

describe('redisRateLimitStore (real Redis)', () => {
  it('two clients on separate connections share one limit for an account', async () => {
    const { account, token } = fake.accounts[0]!
    const connections = [new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL)]
    try {
      const clients = connections.map((client) =>
        createPosterClient({
          account,
          token,
          baseUrl: fake.url,
          rateLimit: { perSecond: 3, maxConcurrent: 3, store: redisRateLimitStore({ client, prefix }) },
        }),
      )
      const started = Date.now()
      await Promise.all(clients.flatMap((c) => Array.from({ length: 5 }, () => c.menu.getCategories())))
      const mine = fake.requests.filter((r) => r.account === account)
      expect(mine).toHaveLength(10)
      expect(mine.filter((r) => r.status === 429)).toHaveLength(0)
      expect(
        maxInWindow(
          mine.map((r) => r.at),
          1000,
        ),
      ).toBeLessThanOrEqual(3)
      expect(Date.now() - started).toBeGreaterThanOrEqual(3000)
    } finally {
      for (const c of connections) c.disconnect()
    }
  })

  it('keeps one key per account with a TTL, and concurrency counts in-flight leases of every holder', async () => {
    const a = redisRateLimitStore({ client: shared, prefix })
    const b = redisRateLimitStore({ client: shared, prefix })
    expect(await a.tryAcquire('acc-ttl', 'l1', policy)).toEqual({ granted: true })
    expect(await b.tryAcquire('acc-ttl', 'l2', policy)).toEqual({ granted: true })
    expect(await a.tryAcquire('acc-ttl', 'l3', policy)).toEqual({ granted: false, retryInMs: 25 })
    await b.release('acc-ttl', 'l2')
    // Released, but still in the 1 s window with l1 in flight: 2 of 3 used, so one more fits.
    expect(await a.tryAcquire('acc-ttl', 'l3', policy)).toEqual({ granted: true })
    const denied = await a.tryAcquire('acc-ttl', 'l4', policy)
    expect(denied.granted).toBe(false)
    expect(await shared.keys(`${prefix}*acc-ttl*`)).toEqual([`${prefix}{acc-ttl}`])
    const ttl = await shared.pttl(`${prefix}{acc-ttl}`)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(5000 + 1000 + 1000)
  })
})

describe('redisRateLimitStore on its own server', () => {
  let server: RedisServer
  let client: Redis
  beforeAll(async () => {
    server = await startRedis()
    client = new Redis(server.url, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
    })
    // The outage below is deliberate; ioredis reports each failed reconnect as an error event.
    client.on('error', () => {})
    await new Promise((resolve) => client.once('ready', resolve))
  })
  afterAll(async () => {
    client.disconnect()
    await server.destroy()
  })

  it('reloads its script after SCRIPT FLUSH', async () => {
    const store = redisRateLimitStore({ client })
    expect(await store.tryAcquire('acc', 'l1', policy)).toEqual({ granted: true })
    await server.cli('SCRIPT', 'FLUSH')
    await store.release('acc', 'l1')
    expect(await store.tryAcquire('acc', 'l2', policy)).toEqual({ granted: true })
  })

  it('a Redis outage fails calls with POSTER_LIMITER_UNAVAILABLE instead of sending them unthrottled', async () => {
    const fakeCalls = fake.requests.length
    const { account, token } = fake.accounts[1]!
    const poster = createPosterClient({
      account,
      token,
      baseUrl: fake.url,
      rateLimit: { store: redisRateLimitStore({ client }) },
    })
    await server.stop()
    try {
      const error = await rejectionOf(poster.storage.getStorages())
      expect(error).toMatchObject({ code: 'POSTER_LIMITER_UNAVAILABLE' })
      expect(fake.requests.length).toBe(fakeCalls)
    } finally {
      await server.start()
    }
  })
})

describe('redisRateLimitStore on Redis Cluster', () => {
  let cluster: RedisCluster
  let client: Cluster
  beforeAll(async () => {
    cluster = await startRedisCluster(3)
    client = new Cluster(cluster.startupNodes)
  })
  afterAll(async () => {
    client?.disconnect()
    await cluster?.destroy()
  })

  describeRateLimitStore({ name: 'redis cluster', create: () => redisRateLimitStore({ client, prefix }) })

  it('keeps every account on one slot and enforces its window', async () => {
    const store = redisRateLimitStore({ client })
    for (const account of ['alpha', 'beta', 'gamma', 'delta']) {
      for (let i = 0; i < 3; i++)
        expect(await store.tryAcquire(account, `${account}${i}`, policy)).toMatchObject({ granted: i < 2 })
      await store.release(account, `${account}0`)
      expect(await store.tryAcquire(account, `${account}x`, policy)).toEqual({ granted: true })
      expect((await store.tryAcquire(account, `${account}y`, policy)).granted).toBe(false)
    }
  })
})
