import { type RedisCluster, startRedisCluster } from '@rc/test-services'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../src/index'
import { redisStore } from '../src/redis'
import { describeCache, describeCacheStore } from '../src/testing'

// A 3-master cluster on loopback, started for this file; the core suites run on it.
let cluster: RedisCluster
const clients: Cluster[] = []
const connect = () => {
  const client = new Cluster(cluster.startupNodes)
  clients.push(client)
  return client
}
beforeAll(async () => {
  cluster = await startRedisCluster(3)
}, 60_000)
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => {})))
  await cluster?.destroy()
})

describeCacheStore({ name: 'redis cluster', create: () => redisStore({ client: connect() }) })
describeCache({ name: 'redis cluster', create: () => redisStore({ client: connect() }) })

describe('redisStore on a cluster', () => {
  it('deletes a pattern from every master', async () => {
    const client = connect()
    const cache = createCache({ store: redisStore({ client }), prefix: 'spread', storeTimeout: '5s' })
    for (let i = 0; i < 300; i++) await cache.set(`restaurant:${i}`, i)
    const perMaster = await Promise.all(client.nodes('master').map((n) => n.dbsize()))
    expect(perMaster.filter((n) => n > 0)).toHaveLength(3)
    expect(await cache.deletePattern('restaurant:*')).toBe(300)
    for (let i = 0; i < 300; i += 37) expect(await cache.get(`restaurant:${i}`)).toBeUndefined()
    await cache.close()
  })
})
