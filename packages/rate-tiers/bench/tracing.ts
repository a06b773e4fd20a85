/*
 * The cost of the tracing channel on a memory-store decision (issue 16: with no subscriber, within
 * 2% of the code before it): `pnpm --filter @rc/rate-tiers bench tracing`. `RC_BENCH_BASELINE`
 * names a checkout of the code before the channels (see bench/README.md); without it only the
 * subscriber comparison runs. Both sides are imported from sources (tsx), so they are compiled
 * alike. Writes the tracing section of bench/README.md.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { interleavedOverhead, loadAverage, noopSubscriber, overheadTable } from '@rc/internal'
import { createRateTiers, rateTiersChannels } from '../src/index'

const KEYS = Array.from({ length: 500 }, (_, i) => `tenant-${i}`)
const HIGH = 1_000_000
// Many short rounds: on a shared machine a ratio of two runs made milliseconds apart is steadier.
const ITERATIONS = 50_000
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 61)

type Module = { createRateTiers: typeof createRateTiers }

function limiter(module: Module) {
  const tiers = module.createRateTiers({ tiers: { pro: { api: `${HIGH}/1m` } } })
  return (i: number) => tiers.consume({ key: KEYS[i % KEYS.length]!, tier: 'pro', bucket: 'api' })
}

/** A copy of a source folder beside it (`src` → `src-copy`), so its modules load a second time. */
function copyOf(dir: string): string {
  cpSync(dir, `${dir}-copy`, { recursive: true })
  return `${dir}-copy`
}

const baseline = process.env.RC_BENCH_BASELINE
const loadStart = loadAverage()
const ours = limiter({ createRateTiers })
const sections: string[] = []
if (baseline) {
  const before = limiter(await import(`${baseline}/packages/rate-tiers/src/index.ts`))
  // A second copy of the same code (its own functions for the JIT, as each contender has): how far
  // apart two identical contenders land, the noise floor of this comparison.
  const again = limiter(await import(`${copyOf(`${baseline}/packages/rate-tiers/src`)}/index.ts`))
  // Nobody has subscribed yet in this process: the state of an app that never traces.
  const result = await interleavedOverhead(
    [
      { name: 'before the channels (1f8076f)', call: before },
      { name: 'with the channels, no subscriber', call: ours },
      { name: 'before the channels, second copy (noise floor)', call: again },
    ],
    { rounds: ROUNDS, iterations: ITERATIONS },
  )
  sections.push(overheadTable(result))
}
let unsubscribe = () => {}
const subscribed = await interleavedOverhead(
  [
    { name: 'no subscriber', call: ours },
    {
      name: 'a no-op subscriber on rc:rate-tiers:decide',
      call: ours,
      before: () => {
        unsubscribe = noopSubscriber(Object.values(rateTiersChannels))
      },
      after: () => unsubscribe(),
    },
  ],
  { rounds: ROUNDS, iterations: ITERATIONS / 4 },
)
sections.push(overheadTable(subscribed))

const section = [
  `Run ${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}.`,
  `\`consume\` on the memory store (sliding-log, 500 keys round robin, every call admitted), awaited`,
  `tight loop; ${ROUNDS} interleaved rounds (every other one in reverse order).`,
  `Load average (1 / 5 / 15 min) at the start: ${loadStart}; at the end: ${loadAverage()}.`,
  '',
  ...sections.flatMap((s) => [s, '']),
  baseline
    ? ''
    : '(RC_BENCH_BASELINE not set: the comparison with the code before the channels did not run.)',
]
  .join('\n')
  .trim()
console.log(section)
const readme = new URL('./README.md', import.meta.url)
writeFileSync(
  readme,
  readFileSync(readme, 'utf8').replace(
    /<!-- tracing:start -->[\s\S]*<!-- tracing:end -->/,
    `<!-- tracing:start -->\n${section}\n<!-- tracing:end -->`,
  ),
)
process.exit(0)
