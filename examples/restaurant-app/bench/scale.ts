/*
 * The app at scale, on demand (not part of the default `pnpm bench`, which they would slow by minutes):
 * BENCH_ONLY=scale-sync, scale-http or scale (both). Rewrites only their sections of README.md
 * (BENCH_WRITE=0: prints only). Knobs: BENCH_SCALE_ROUNDS (3), BENCH_SCALE_WORKERS (4),
 * BENCH_SCALE_CONCURRENCY (10), BENCH_SCALE_RESTAURANTS (1,000, the sync), BENCH_SCALE_RATES (1000,500,250,100 requests/s, the target first),
 * BENCH_SCALE_CONNECTIONS (10 per instance), BENCH_SCALE_DURATION (10 s), BENCH_SCALE_POOL (10),
 * BENCH_SCALE_RESET=1 / BENCH_SCALE_DROP=1 (the rc_bench_scale database, see bench/scale-data.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { runScaleHttp } from './scale-http'
import { renderScaleHttp, renderScaleSync } from './scale-report'
import { runScaleSync, SCALE_SYNC_RESTAURANTS } from './scale-sync'
import { replaceSection } from './sections'

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const readme = new URL('./README.md', import.meta.url)

function write(name: string, body: string) {
  console.log(body)
  if (process.env.BENCH_WRITE === '0') return
  writeFileSync(readme, replaceSection(readFileSync(readme, 'utf8'), name, body))
}

export async function runScale(only: string): Promise<void> {
  if (only === 'scale' || only === 'scale-sync') {
    const meta = { startedAt: new Date(), loads: { start: load() } as Record<string, string> }
    console.log(`scale-sync, load average ${meta.loads.start}`)
    const results = await runScaleSync({
      restaurants: env('BENCH_SCALE_RESTAURANTS', SCALE_SYNC_RESTAURANTS),
      workers: env('BENCH_SCALE_WORKERS', 4),
      concurrency: env('BENCH_SCALE_CONCURRENCY', 10),
      rounds: env('BENCH_SCALE_ROUNDS', 3),
    })
    meta.loads.afterSync = load()
    console.log(JSON.stringify(results))
    write('scale-sync', renderScaleSync(results, meta))
  }
  if (only === 'scale' || only === 'scale-http') {
    const meta = { startedAt: new Date(), loads: { start: load() } as Record<string, string> }
    console.log(`scale-http, load average ${meta.loads.start}`)
    const result = await runScaleHttp({
      rates: (process.env.BENCH_SCALE_RATES ?? '1000,500,250,100').split(',').map(Number),
      connections: env('BENCH_SCALE_CONNECTIONS', 10),
      durationS: env('BENCH_SCALE_DURATION', 10),
      rounds: env('BENCH_SCALE_ROUNDS', 3),
      poolSize: env('BENCH_SCALE_POOL', 10),
      path: 'ingredients?limit=50',
    })
    meta.loads.afterHttp = load()
    console.log(JSON.stringify(result))
    write('scale-http', renderScaleHttp(result, meta))
  }
}
