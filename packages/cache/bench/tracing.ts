// The cost of the tracing channels on the l1 hit `get` (issue 16: with no subscriber, within 2%
// of the code before them). `RC_BENCH_BASELINE` names a checkout of the code before the channels
// (see bench/README.md); without it only the subscriber comparison runs.
import { cpSync } from 'node:fs'
import { cpus } from 'node:os'
import { interleavedOverhead, loadAverage, noopSubscriber, overheadTable } from '@rc/internal'
import { type Cache, cacheChannels, createCache } from '../src/index'
import { memoryStore } from '../src/memory'
import { supplier } from './harness'

const KEYS = 1000
// Many short rounds: on a shared machine a ratio of two runs made milliseconds apart is steadier.
const ITERATIONS = 100_000
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 61)

type CacheModule = { createCache: typeof createCache }
type MemoryModule = { memoryStore: typeof memoryStore }

async function warmCache(cache: CacheModule, memory: MemoryModule): Promise<Cache> {
  const c = cache.createCache({ store: memory.memoryStore(), l1: { maxEntries: 5000 }, prefix: 'bench' })
  for (let i = 0; i < KEYS; i++) await c.set(`supplier:${i}`, supplier(i))
  if ((await c.get('supplier:7')) === undefined) throw new Error('bench cache missed')
  return c
}

export async function benchTracing(): Promise<string> {
  const keys = Array.from({ length: KEYS }, (_, i) => `supplier:${i}`)
  const baseline = process.env.RC_BENCH_BASELINE
  const loadStart = loadAverage()
  const ours = await warmCache({ createCache }, { memoryStore })
  const sections: string[] = []
  if (baseline) {
    const before = await warmCache(
      await import(`${baseline}/packages/cache/src/index.ts`),
      await import(`${baseline}/packages/cache/src/memory.ts`),
    )
    // A second copy of the same code (its own functions for the JIT, as each contender has): how
    // far apart two identical contenders land, the noise floor of this comparison.
    const copy = `${baseline}/packages/cache/src-copy`
    cpSync(`${baseline}/packages/cache/src`, copy, { recursive: true })
    const again = await warmCache(await import(`${copy}/index.ts`), await import(`${copy}/memory.ts`))
    // Nobody has subscribed yet in this process: the state of an app that never traces.
    const result = await interleavedOverhead(
      [
        { name: 'before the channels (1f8076f)', call: (i) => before.get(keys[i % KEYS]!) },
        { name: 'with the channels, no subscriber', call: (i) => ours.get(keys[i % KEYS]!) },
        {
          name: 'before the channels, second copy (noise floor)',
          call: (i) => again.get(keys[i % KEYS]!),
        },
      ],
      { rounds: ROUNDS, iterations: ITERATIONS },
    )
    sections.push(overheadTable(result))
    await before.close()
    await again.close()
  }
  let unsubscribe = () => {}
  const subscribed = await interleavedOverhead(
    [
      { name: 'no subscriber', call: (i) => ours.get(keys[i % KEYS]!) },
      {
        name: 'a no-op subscriber on every cache channel',
        call: (i) => ours.get(keys[i % KEYS]!),
        before: () => {
          unsubscribe = noopSubscriber(Object.values(cacheChannels))
        },
        after: () => unsubscribe(),
      },
    ],
    { rounds: ROUNDS, iterations: ITERATIONS / 4 },
  )
  sections.push(overheadTable(subscribed))
  await ours.close()
  return [
    `### Tracing channels: l1 hit \`get\` (memory, ${KEYS} keys, awaited tight loop; ${ROUNDS} interleaved rounds)`,
    '',
    `Run ${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}; time is CPU time. Load average (1 / 5 / 15 min) at the start: ${loadStart}; at the end: ${loadAverage()}.`,
    '',
    ...sections.flatMap((s) => [s, '']),
    baseline
      ? ''
      : '(RC_BENCH_BASELINE not set: the comparison with the code before the channels did not run.)',
  ].join('\n')
}
