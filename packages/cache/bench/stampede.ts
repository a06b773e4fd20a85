import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { createCache as createCacheManager } from 'cache-manager'
import { Redis } from 'ioredis'
import { createCache } from '../src/index'
import { memoryStore } from '../src/memory'
import { redisStore } from '../src/redis'
import { fmt } from './harness'

const CALLERS = 1000
const ROUNDS = 5
const LOAD_MS = 20
const url = process.env.RC_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** 1000 concurrent getOrSet misses of one key: loader runs and caller latency. */
export async function benchStampede(): Promise<string> {
  const prefix = `rc-bench-stampede-${process.pid}`
  const client = new Redis(url)
  const contenders: [
    string,
    (key: string, loader: () => Promise<unknown>) => Promise<unknown>,
    () => Promise<void>,
  ][] = []
  const rcMemory = createCache({ store: memoryStore(), prefix })
  contenders.push(['@rc/cache memory', (k, l) => rcMemory.getOrSet(k, l), () => rcMemory.close()])
  const rcRedis = createCache({ store: redisStore({ client }), prefix: `${prefix}-r` })
  contenders.push(['@rc/cache redis', (k, l) => rcRedis.getOrSet(k, l), () => rcRedis.close()])
  const rcLocked = createCache({ store: redisStore({ client }), prefix: `${prefix}-d`, lock: 'distributed' })
  contenders.push([
    "@rc/cache redis, lock 'distributed'",
    (k, l) => rcLocked.getOrSet(k, l),
    () => rcLocked.close(),
  ])
  const cm = createCacheManager()
  contenders.push(['cache-manager v7 wrap (memory)', (k, l) => cm.wrap(k, l), async () => {}])
  const bento = new BentoCache({ default: 'm', stores: { m: bentostore().useL1Layer(memoryDriver({})) } })
  contenders.push([
    'bentocache getOrSet (memory)',
    (k, l) => bento.getOrSet({ key: k, factory: l }),
    () => bento.disconnect(),
  ])

  const rows: string[] = []
  for (const [name, getOrSet, close] of contenders) {
    let loads = 0
    const latencies: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const key = `report:${round}`
      const loader = async () => {
        loads++
        await new Promise((r) => setTimeout(r, LOAD_MS))
        return { round, rows: 100 }
      }
      await Promise.all(
        Array.from({ length: CALLERS }, async () => {
          const t0 = performance.now()
          await getOrSet(key, loader)
          latencies.push(performance.now() - t0)
        }),
      )
    }
    latencies.sort((a, b) => a - b)
    const p = (q: number) => latencies[Math.floor(latencies.length * q)]!
    rows.push(`| ${name} | ${fmt(loads / ROUNDS, 1)} | ${fmt(p(0.5), 1)} | ${fmt(p(0.99), 1)} |`)
    await close()
  }
  await redisStore({ client }).deletePattern(`${prefix}*`)
  client.disconnect()
  return [
    `### getOrSet stampede (${CALLERS} concurrent callers, one missing key, ${LOAD_MS} ms loader, ${ROUNDS} rounds)`,
    '',
    '| contender | loader runs per stampede | p50 ms | p99 ms |',
    '|---|---:|---:|---:|',
    ...rows,
  ].join('\n')
}
