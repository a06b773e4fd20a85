import KeyvRedis from '@keyv/redis'
import { BentoCache, bentostore } from 'bentocache'
import { redisDriver } from 'bentocache/drivers/redis'
import { createCache as createCacheManager } from 'cache-manager'
import { Redis } from 'ioredis'
import { Keyv } from 'keyv'
import { createCache } from '../src/index'
import { redisStore } from '../src/redis'
import { fmt, type Interleaved, interleaved, supplier } from './harness'

const KEYS = 500
const ROUNDS = 7
const ROUND_MS = 800
const BATCH = 100
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
  let c1: Interleaved | undefined
  let c64: Interleaved | undefined
  let many: Interleaved | undefined
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

    // 100 keys per call, one caller at a time: a page of suppliers.
    const batchOf = (i: number) => Array.from({ length: BATCH }, (_, j) => keys[(i * BATCH + j) % KEYS]!)
    const rawKeys = (i: number) => batchOf(i).map((k) => `${prefix}-raw:${k}`)
    const batchContenders: [string, (i: number) => Promise<unknown>][] = [
      ['ioredis MGET + JSON.parse', async (i) => (await plain.mget(rawKeys(i))).map((v) => JSON.parse(v!))],
      ['@rc/cache getMany', (i) => rc.getMany(batchOf(i))],
      ['cache-manager v7 mget + @keyv/redis', (i) => cm.mget(batchOf(i))],
      // bentocache has no batch read: 100 concurrent gets.
      ['bentocache (redis tier), 100 gets', (i) => Promise.all(batchOf(i).map((key) => bento.get({ key })))],
    ]
    for (const [name, fn] of batchContenders) {
      const values = (await fn(1)) as unknown[]
      if (values.length !== BATCH || values.some((v) => v == null)) throw new Error(`${name} missed`)
    }
    many = await interleaved(batchContenders, 1, ROUNDS, ROUND_MS)

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
  const ours = '@rc/cache redisStore'
  const raw = 'ioredis GET + JSON.parse'
  const autoPiped = 'ioredis (enableAutoPipelining) GET + JSON.parse'
  const x = (n: number) => `${n.toFixed(2)}x`
  const rows = [...c1!.keys()].map((name) => {
    const a = c1!.get(name)!
    const b = c64!.get(name)!
    const vs = name === ours ? '' : x(c64!.ratio(ours, name, 'opsPerSec'))
    return `| ${name} | ${fmt(a.p50, 1)} | ${fmt(a.p99, 1)} | ${fmt(a.opsPerSec)} | ${fmt(b.opsPerSec)} | ${fmt(b.p99, 0)} | ${vs} |`
  })
  const batchRows = [...many!.keys()].map((name) => {
    const r = many!.get(name)!
    const vs = name === '@rc/cache getMany' ? '' : x(many!.ratio('@rc/cache getMany', name, 'opsPerSec'))
    return `| ${name} | ${fmt(r.opsPerSec)} | ${fmt(r.p50, 0)} | ${fmt(r.p99, 0)} | ${vs} |`
  })
  return [
    `### Redis-backed \`get\` hit (${KEYS} keys of ~300 B JSON, same local Redis; ${ROUNDS} interleaved ${ROUND_MS / 1000} s rounds, medians)`,
    '',
    '| contender | c1 p50 µs | c1 p99 µs | c1 ops/s | c64 ops/s | c64 p99 µs | @rc/cache c64 vs it |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `@rc/cache served ${fmt(stats!.hits)} hits and ${fmt(stats!.misses)} misses (reads that timed out while the machine stalled).`,
    '',
    `Targets (medians of per-round ratios): c1 p50 ≤ 1.05x plain ioredis GET + parse (${x(c1!.ratio(ours, raw, 'p50'))}); c64 ≥ 1.5x auto-pipelined ioredis (${x(c64!.ratio(ours, autoPiped, 'opsPerSec'))}) and ahead of every peer.`,
    '',
    `### \`getMany\` of ${BATCH} keys (one caller; ${ROUNDS} interleaved rounds, medians)`,
    '',
    '| contender | calls/s | p50 µs | p99 µs | @rc/cache vs it |',
    '|---|---:|---:|---:|---:|',
    ...batchRows,
    '',
    `Target: ≥ 0.95x one raw MGET + parse (${x(many!.ratio('@rc/cache getMany', 'ioredis MGET + JSON.parse', 'opsPerSec'))}).`,
  ].join('\n')
}
