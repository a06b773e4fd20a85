import { type RedisCluster, type RedisServer, startRedis, startRedisCluster } from '@rc/test-services'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheReplicationError, createCache } from '../src/index'
import { redisStore } from '../src/redis'
import { describeCache, describeCacheStore } from '../src/testing'

const FULL = process.env.RC_FULL === '1'

// A primary and one replica of its own, so WAIT has something to wait for.
let primary: RedisServer
let replica: RedisServer
const clients: (Redis | Cluster)[] = []
const connect = (port: number) => {
  const client = new Redis({ port, host: '127.0.0.1' })
  clients.push(client)
  return client
}
beforeAll(async () => {
  primary = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] })
  replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] })
  for (;;) {
    if ((await replica.cli('ROLE')).includes('connected')) break
    await new Promise((r) => setTimeout(r, 50))
  }
}, 30_000)
afterAll(async () => {
  for (const client of clients) client.disconnect()
  await replica?.destroy()
  await primary?.destroy()
})

const durable = () =>
  redisStore({ client: connect(primary.port), durability: { replicas: 1, timeout: 1_000 } })
describeCacheStore({ name: 'redis with durability (WAIT 1)', create: durable })
describeCache({ name: 'redis with durability (WAIT 1)', create: durable })

describe('redisStore durability', () => {
  it('every kind of write is on the replica when the call resolves', async () => {
    const cache = createCache({ store: durable(), prefix: 'durable', storeTimeout: '5s' })
    const onReplica = connect(replica.port)
    await cache.set('k', 'v', { tags: ['t'] })
    expect(await onReplica.get('durable||k')).toContain('"v"')
    await cache.setMany([
      { key: 'm1', value: 1 },
      { key: 'm2', value: 2 },
    ])
    expect(await onReplica.exists('durable||m1', 'durable||m2')).toBe(2)
    await cache.invalidateTags(['t'])
    expect((await onReplica.keys('durable|*t*')).length).toBeGreaterThan(0)
    await cache.delete('m1')
    expect(await onReplica.exists('durable||m1')).toBe(0)
    await cache.deletePattern('m*')
    expect(await onReplica.exists('durable||m2')).toBe(0)
    expect(cache.stats().unreplicated).toBe(0)
    await cache.close()
  })

  it('fewer replicas than asked: the write succeeds, an unreplicated event says so, stats count it', async () => {
    const events: unknown[] = []
    const cache = createCache({
      // Two replicas asked, one exists: every WAIT times out after 30 ms with 1 ack.
      store: redisStore({ client: connect(primary.port), durability: { replicas: 2, timeout: 30 } }),
      prefix: 'short',
      storeTimeout: '5s',
      onEvent: (e) => {
        if (e.type === 'unreplicated') events.push(e.error)
      },
    })
    const started = performance.now()
    await cache.set('k', 'v')
    const took = performance.now() - started
    expect(await cache.get('k')).toBe('v')
    await cache.delete('k')
    expect(events).toHaveLength(2)
    const error = events[0] as CacheReplicationError
    expect(error).toBeInstanceOf(CacheReplicationError)
    expect(error.code).toBe('CACHE_NOT_REPLICATED')
    expect([error.acked, error.replicas]).toEqual([1, 2])
    expect(error.key).toBe('short||k')
    expect(cache.stats().unreplicated).toBe(2)
    expect(cache.stats().errors).toBe(0)
    // It waited for WAIT's timeout, not for the cache's store timeout.
    expect(took).toBeGreaterThanOrEqual(25)
    expect(took).toBeLessThan(3_000)
    await cache.close()
  })

  it('rejects a durability that cannot work', () => {
    const client = connect(primary.port)
    expect(() => redisStore({ client, durability: { replicas: 0 } })).toThrow(/durability.replicas/)
    expect(() => redisStore({ client, durability: { replicas: 1, timeout: 0 } })).toThrow(/at least 1 ms/)
  })
})

describe.runIf(FULL)('redisStore durability on a cluster with replicas', () => {
  let cluster: RedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster(3, { replicas: 1 })
  }, 90_000)
  afterAll(async () => {
    await cluster?.destroy()
  })
  const create = () => {
    const client = new Cluster(cluster.startupNodes)
    clients.push(client)
    return redisStore({ client, durability: { replicas: 1, timeout: 1_000 } })
  }
  describeCacheStore({ name: 'redis cluster with durability (WAIT 1 on the key’s master)', create })

  it('a write on any master is on its replica when the call resolves', async () => {
    const cache = createCache({ store: create(), prefix: 'cd', storeTimeout: '5s' })
    for (let i = 0; i < 30; i++) await cache.set(`k${i}`, i)
    expect(cache.stats().unreplicated).toBe(0)
    // Replicas are nodes[3..5]; together they hold every key.
    let found = 0
    for (const node of cluster.nodes.slice(3)) {
      const direct = new Redis({ port: node.port, host: '127.0.0.1' })
      clients.push(direct)
      found += (await direct.keys('cd||k*')).length
    }
    expect(found).toBe(30)
    await cache.close()
  })
})
