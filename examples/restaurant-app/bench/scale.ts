/*
 * The app at scale, on demand (not part of the default `pnpm bench`, which they would slow past a few
 * minutes): BENCH_ONLY=scale-sync, scale-http or scale (both). Rewrites only their sections of README.md.
 */
import { loadavg } from 'node:os'
import { runScaleSync, SCALE_SYNC_RESTAURANTS } from './scale-sync'

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

export async function runScale(only: string): Promise<void> {
  const loads: Record<string, string> = { start: load() }
  console.log(`load average at start: ${loads.start}`)
  if (only === 'scale' || only === 'scale-sync') {
    const startedAt = new Date()
    const result = await runScaleSync({
      restaurants: Number(process.env.BENCH_SCALE_RESTAURANTS ?? SCALE_SYNC_RESTAURANTS),
      workers: Number(process.env.BENCH_SCALE_WORKERS ?? 4),
      concurrency: Number(process.env.BENCH_SCALE_CONCURRENCY ?? 10),
      rounds: Number(process.env.BENCH_SCALE_ROUNDS ?? 3),
    })
    loads.afterSync = load()
    console.log(JSON.stringify({ startedAt, loads, result }, null, 2))
  }
}
