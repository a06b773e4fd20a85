import KeyvRedis from '@keyv/redis'
import { BentoCache, bentostore } from 'bentocache'
import { redisDriver } from 'bentocache/drivers/redis'
import { createCache as createCacheManager } from 'cache-manager'
import { Redis } from 'ioredis'
import { Keyv } from 'keyv'
import { createCache } from '../src/index'
import { redisStore } from '../src/redis'
import { fmt, interleaved, type LoadResult, ratio, supplier } from './harness'

const KEYS = 500
const ROUNDS = 5
const ROUND_MS = 800
const url = process.env.RC_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** Redis-backed get hits at concurrency 1 (latency) and 64 (throughput), on the same Redis. */
export async function benchRedis(): Promise<string> {
  const prefix = `rc-bench-${process.pid}`
  const keys = Array.from({ length: KEYS }, (_, i) => `supplier:${i}`)
  const plain = new Redis(url)
  const piped = new Redis(url, { enableAutoPipelining: true })
  const rcClient = new Redis(url)
  const rc = createCache({ store: redisStore({ client: rcClient }), prefix })
  const cm = createCacheManager({
    stores: [new Keyv({ store: new KeyvRedis(url), namespace: `${prefix}-cm` })],
  })
  const bentoClient = new Redis(url)
  const bento = new BentoCache({
    default: 'redis',
    prefix: `${prefix}-bento`,
    stores: { redis: bentostore().useL2Layer(redisDriver({ connection: bentoClient })) },
  })
  let c1: Map<string, LoadResult> = new Map()
  let c64: Map<string, LoadResult> = new Map()
  let stats: ReturnType<typeof rc.stats> | undefined
  // Keys go on the shared Redis: remove them even when a run is voided.
  try {
    for (let i = 0; i < KEYS; i++) {
      const value = supplier(i)
      await plain.set(`${prefix}-raw:${keys[i]}`, JSON.stringify(value))
      await rc.set(keys[i]!, value, { ttl: '1h' })
      await cm.set(keys[i]!, value, 3_600_000)
      await bento.set({ key: keys[i]!, value, ttl: '1h' })
    }
    const rawGet = (client: Redis) => async (i: number) =>
      JSON.parse((await client.get(`${prefix}-raw:${keys[i % KEYS]}`))!)
    const contenders: [string, (i: number) => Promise<unknown>][] = [
      ['ioredis GET + JSON.parse', rawGet(plain)],
      ['ioredis (enableAutoPipelining) GET + JSON.parse', rawGet(piped)],
      ['@rc/cache redisStore', (i) => rc.get(keys[i % KEYS]!)],
      ['cache-manager v7 + @keyv/redis', (i) => cm.get(keys[i % KEYS]!)],
      ['bentocache (redis tier)', (i) => bento.get({ key: keys[i % KEYS]! })],
    ]
    for (const [name, fn] of contenders) if ((await fn(3)) == null) throw new Error(`${name} missed`)
    c1 = await interleaved(contenders, 1, ROUNDS, ROUND_MS)
    c64 = await interleaved(contenders, 64, ROUNDS, ROUND_MS)

    // Figures only count if the gets really hit Redis: a miss (a read that timed
    // out during a CPU stall) is cheaper than a hit, so more than 1% voids the run.
    stats = rc.stats()
    if (stats.mode !== 'primary' || stats.misses > stats.hits / 100) {
      throw new Error(`@rc/cache did not serve from Redis during the bench: ${JSON.stringify(stats)}`)
    }
  } finally {
    await rc.deletePattern('*')
    await rc.close()
    await cm.clear()
    await bento.clear()
    await bento.disconnect()
    await plain.del(...keys.map((k) => `${prefix}-raw:${k}`))
    for (const c of [plain, piped, rcClient, bentoClient]) c.disconnect()
    await cm.disconnect()
  }
  const ours1 = c1.get('@rc/cache redisStore')!
  const ours64 = c64.get('@rc/cache redisStore')!
  const rows = [...c1.keys()].map(
    (name) =>
      `| ${name} | ${fmt(c1.get(name)!.p50, 1)} | ${fmt(c1.get(name)!.p99, 1)} | ${fmt(c1.get(name)!.opsPerSec)} | ${fmt(c64.get(name)!.opsPerSec)} | ${fmt(c64.get(name)!.p99, 0)} | ${name.startsWith('@rc') ? '' : ratio(ours64.opsPerSec, c64.get(name)!.opsPerSec)} |`,
  )
  return [
    '### Redis-backed `get` hit (500 keys of ~300 B JSON, same local Redis; medians of 5 interleaved 0.8 s rounds)',
    '',
    '| contender | c1 p50 µs | c1 p99 µs | c1 ops/s | c64 ops/s | c64 p99 µs | @rc/cache c64 vs it |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `@rc/cache served ${fmt(stats!.hits)} hits and ${fmt(stats!.misses)} misses (reads that timed out while the machine stalled).`,
    '',
    `Targets: c1 p50 ≤ 1.1x plain ioredis (${ratio(ours1.p50, c1.get('ioredis GET + JSON.parse')!.p50)}); c64 ≥ auto-pipelined ioredis (${ratio(ours64.opsPerSec, c64.get('ioredis (enableAutoPipelining) GET + JSON.parse')!.opsPerSec)}) and ahead of every peer.`,
  ].join('\n')
}
