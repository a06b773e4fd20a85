import { type RedisCluster, startRedisCluster } from '@rc/test-services'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRateTiers } from '../src/index'
import { redisRateStore } from '../src/redis'
import { describeRateStore } from '../src/testing'
import { describeExactness } from './exactness'

let cluster: RedisCluster
let client: Cluster

beforeAll(async () => {
  cluster = await startRedisCluster(3)
  client = new Cluster(cluster.startupNodes)
  await new Promise((resolve, reject) => {
    client.once('ready', resolve)
    client.once('error', reject)
  })
}, 60_000)
afterAll(async () => {
  client?.disconnect()
  await cluster?.destroy()
})

describeRateStore({ name: 'redis cluster', create: () => redisRateStore({ client }) })
describeExactness(
  '3-master Redis Cluster',
  () => ({ cluster: cluster.startupNodes }),
  () => client,
)

describe('cluster placement', () => {
  it('spreads different keys over the masters while each key stays in one slot', async () => {
    const tiers = createRateTiers({
      store: redisRateStore({ client, prefix: 'placement:' }),
      tiers: { free: { api: '5/1m', analysis: ['2/1s', '10/1h'] } },
    })
    const keys = Array.from({ length: 30 }, (_, i) => `tenant-${i}`)
    for (const key of keys) {
      expect((await tiers.consume({ key, tier: 'free', buckets: ['api', 'analysis'] })).allowed).toBe(true)
    }
    const perNode = await Promise.all(
      cluster.nodes.map(
        async (node) => (await node.cli('KEYS', 'placement:{*')).split('\n').filter(Boolean).length,
      ),
    )
    expect(perNode.filter((n) => n > 0).length).toBe(3)
    // 3 storage keys per tenant, never split across nodes.
    expect(perNode.every((n) => n % 3 === 0)).toBe(true)
    expect(perNode.reduce((a, b) => a + b)).toBe(90)
  })
})
