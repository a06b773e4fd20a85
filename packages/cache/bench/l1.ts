import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { createCache as createCacheManager } from 'cache-manager'
import { LRUCache } from 'lru-cache'
import { createCache } from '../src/index'
import { memoryStore } from '../src/memory'
import { fmt, median, pairedRatio, supplier, tightLoop } from './harness'

const KEYS = 1000
const ITERATIONS = 200_000
const ROUNDS = 21

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
  await rc.close()
  await bento.disconnect()
  const ours = results.get('@rc/cache l1 hit')!
  // Each round's ratio pairs runs made seconds apart; their median resists drift in machine load.
  const vs = (name: string) => pairedRatio(ours, results.get(name)!)
  const rows = [...results].map(
    ([name, runs]) =>
      `| ${name} | ${fmt(median(runs))} | ${name.startsWith('@rc') ? '' : `${vs(name).toFixed(2)}x`} |`,
  )
  return [
    `### l1 hit \`get\` (memory, 1,000 keys, awaited; ${ROUNDS} interleaved rounds, medians)`,
    '',
    '| contender | ops/s | @rc/cache vs it (median of per-round ratios) |',
    '|---|---:|---:|',
    ...rows,
    '',
    `Targets: ≥ 0.95x lru-cache (${vs('lru-cache get (awaited)').toFixed(2)}x), ≥ 2x cache-manager (${vs('cache-manager v7 (default memory)').toFixed(2)}x), ≥ 20x bentocache (${vs('bentocache (memory tier)').toFixed(2)}x).`,
  ].join('\n')
}
