import KeyvRedis from '@keyv/redis'
import { BentoCache, bentostore } from 'bentocache'
import { redisDriver } from 'bentocache/drivers/redis'
import { createCache as createCacheManager } from 'cache-manager'
import { Redis } from 'ioredis'
import { Keyv } from 'keyv'
import { createCache } from '../src/index'
import { redisStore } from '../src/redis'
import { fmt, median, type OpenLoopResult, openLoop, percentile, supplier } from './harness'

const RATE = 1_000
const RUN_MS = 5_000
const TTL_MS = 1_000
const LOAD_MS = 50
const ROUNDS = 3
const url = process.env.RC_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/**
 * getOrSet of one hot key under 1,000 calls/s across TTL boundaries (1 s TTL,
 * 50 ms loader, 5 s runs: about five expiries each), on the same local Redis.
 * The hit baseline is the same cache with a TTL that never runs out.
 */
export async function benchRefresh(): Promise<string> {
  const prefix = `rc-bench-refresh-${process.pid}`
  const clients: Redis[] = []
  const client = () => {
    const c = new Redis(url)
    clients.push(c)
    return c
  }
  const loads = new Map<string, number>()
  const loader = (name: string) => async () => {
    loads.set(name, (loads.get(name) ?? 0) + 1)
    await new Promise((r) => setTimeout(r, LOAD_MS))
    return supplier(1)
  }
  const rcHit = createCache({ store: redisStore({ client: client() }), prefix: `${prefix}-hit`, ttl: '1h' })
  const rcOn = createCache({
    store: redisStore({ client: client() }),
    prefix: `${prefix}-on`,
    refreshAhead: 0.8,
  })
  const rcOff = createCache({ store: redisStore({ client: client() }), prefix: `${prefix}-off` })
  const cm = createCacheManager({
    stores: [new Keyv({ store: new KeyvRedis(url), namespace: `${prefix}-cm` })],
  })
  const bento = new BentoCache({
    default: 'redis',
    prefix: `${prefix}-bento`,
    stores: { redis: bentostore().useL2Layer(redisDriver({ connection: client() })) },
  })
  const contenders: [string, (i: number) => Promise<unknown>][] = [
    ['@rc/cache, hits only (TTL 1 h)', () => rcHit.getOrSet('hot', loader('hit'))],
    ['@rc/cache refreshAhead 0.8', () => rcOn.getOrSet('hot', loader('on'), { ttl: TTL_MS })],
    ['@rc/cache refresh-ahead off', () => rcOff.getOrSet('hot', loader('off'), { ttl: TTL_MS })],
    ['cache-manager v7 wrap, refreshThreshold 200 ms', () => cm.wrap('hot', loader('cm'), TTL_MS, 200)],
    [
      'bentocache getOrSet, grace 1 m (stale while reloading)',
      () => bento.getOrSet({ key: 'hot', factory: loader('bento'), ttl: TTL_MS, grace: '1m' }),
    ],
  ]
  const runs = new Map<string, OpenLoopResult[]>()
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, fn] of contenders) {
        // Each run starts warm: the key expired while the other contenders ran.
        await fn(0)
        runs.set(name, [...(runs.get(name) ?? []), await openLoop(fn, RATE, RUN_MS)])
      }
    }
  } finally {
    await rcHit.clear()
    await rcOn.clear()
    await rcOff.clear()
    await Promise.all([rcHit.close(), rcOn.close(), rcOff.close()])
    await cm.clear()
    await cm.disconnect()
    await bento.clear()
    await bento.disconnect()
    for (const c of clients) c.disconnect()
  }
  const p = (name: string, q: number) => median(runs.get(name)!.map((r) => percentile(r.latencies, q)))
  const hit99 = p('@rc/cache, hits only (TTL 1 h)', 0.99)
  const key = ['hit', 'on', 'off', 'cm', 'bento']
  const rows = contenders.map(([name], i) => {
    const results = runs.get(name)!
    const errors = results.reduce((a, r) => a + r.errors, 0)
    // Each run's warm-up may load once more; counted in.
    const loadsPerRun = (loads.get(key[i]!) ?? 0) / ROUNDS
    return `| ${name} | ${fmt(p(name, 0.5), 0)} | ${fmt(p(name, 0.99), 0)} | ${fmt(p(name, 0.999), 0)} | ${(p(name, 0.99) / hit99).toFixed(2)}x | ${fmt(loadsPerRun, 1)} | ${errors} |`
  })
  return [
    `### Refresh-ahead: getOrSet across TTL boundaries (${fmt(RATE)} calls/s, ${TTL_MS / 1000} s TTL, ${LOAD_MS} ms loader, ${RUN_MS / 1000} s runs from a warm key; medians of ${ROUNDS} interleaved rounds)`,
    '',
    '| contender | p50 µs | p99 µs | p99.9 µs | p99 vs @rc/cache hits | loader runs per run (warm-up included) | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Target: with refreshAhead the p99 stays within 1.2x of the hit p99 (${(p('@rc/cache refreshAhead 0.8', 0.99) / hit99).toFixed(2)}x); without it the callers at each expiry wait for the loader (${(p('@rc/cache refresh-ahead off', 0.99) / hit99).toFixed(2)}x).`,
  ].join('\n')
}
