import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { createCache as createCacheManager } from 'cache-manager'
import { LRUCache } from 'lru-cache'
import { createCache } from '../src/index'
import { memoryStore } from '../src/memory'
import { fmt, median, ratio, supplier, tightLoop } from './harness'

const KEYS = 1000
const ITERATIONS = 1_000_000
const ROUNDS = 3

/** l1 hit `get` vs raw lru-cache behind an awaited function, cache-manager v7 and bentocache (memory), defaults. */
export async function benchL1(): Promise<string> {
  const keys = Array.from({ length: KEYS }, (_, i) => `supplier:${i}`)
  const lru = new LRUCache<string, object>({ max: 5000 })
  const lruGet = async (key: string) => lru.get(key)
  const rc = createCache({ store: memoryStore(), l1: { maxEntries: 5000 }, prefix: 'bench' })
  const cm = createCacheManager()
  const bento = new BentoCache({
    default: 'memory',
    stores: { memory: bentostore().useL1Layer(memoryDriver({})) },
  })
  for (let i = 0; i < KEYS; i++) {
    lru.set(keys[i]!, supplier(i))
    await rc.set(keys[i]!, supplier(i))
    await cm.set(keys[i]!, supplier(i))
    await bento.set({ key: keys[i]!, value: supplier(i) })
  }
  // Sanity: every contender really hits.
  for (const get of [
    lruGet,
    (k: string) => rc.get(k),
    (k: string) => cm.get(k),
    (k: string) => bento.get({ key: k }),
  ]) {
    if ((await get(keys[7]!)) === undefined) throw new Error('bench contender missed')
  }
  const contenders: [string, (i: number) => Promise<unknown>, number][] = [
    ['lru-cache get (awaited)', (i) => lruGet(keys[i % KEYS]!), ITERATIONS],
    ['@rc/cache l1 hit', (i) => rc.get(keys[i % KEYS]!), ITERATIONS],
    ['cache-manager v7 (default memory)', (i) => cm.get(keys[i % KEYS]!), ITERATIONS],
    ['bentocache (memory tier)', (i) => bento.get({ key: keys[i % KEYS]! }), ITERATIONS / 10],
  ]
  const results = new Map<string, number[]>()
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn, n] of contenders)
      results.set(name, [...(results.get(name) ?? []), await tightLoop(fn, n)])
  }
  const ops = new Map([...results].map(([k, v]) => [k, median(v)]))
  const ours = ops.get('@rc/cache l1 hit')!
  await rc.close()
  await bento.disconnect()
  const rows = [...ops].map(
    ([name, n]) => `| ${name} | ${fmt(n)} | ${name.startsWith('@rc') ? '' : ratio(ours, n)} |`,
  )
  return [
    '### l1 hit `get` (memory, 1,000 keys, awaited, median of 3 runs)',
    '',
    '| contender | ops/s | @rc/cache vs it |',
    '|---|---:|---:|',
    ...rows,
    '',
    `Targets: ≥ 0.7x lru-cache (${ratio(ours, ops.get('lru-cache get (awaited)')!)}), ≥ 2x cache-manager (${ratio(ours, ops.get('cache-manager v7 (default memory)')!)}), ≥ 10x bentocache (${ratio(ours, ops.get('bentocache (memory tier)')!)}).`,
  ].join('\n')
}
