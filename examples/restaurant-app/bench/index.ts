/*
 * The restaurant app's benchmarks, on the machine's PostgreSQL and Redis (a throwaway database and
 * key prefix, removed at the end) against the fake Poster:
 *   1. sync throughput of 100 restaurants through BullMQ workers in two processes, with the fake
 *      enforcing 100 requests/min per account;
 *   2. HTTP: autocannon against a listing endpoint of the synced restaurants, cache on and off.
 *   3. the staff UI's main pages of a restaurant with 2,000 ingredients at 200 requests/s, server time.
 * Writes bench/README.md. BENCH_ONLY=http skips the rate-limited part (one sync round instead);
 * BENCH_ONLY=otel runs one sync round and the tracing overhead bench (bench/otel.ts, SDK on vs off) and
 * rewrites only its section;
 * BENCH_ONLY=sync skips HTTP and the UI; BENCH_ONLY=ui runs the UI pages alone and rewrites only their
 * section of the README; BENCH_WRITE=0 prints without writing the README. BENCH_ONLY=scale-sync, scale-http
 * or scale: the benches at scale (bench/scale.ts), minutes each, never part of the default run.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { type HttpResult, runHttpBench } from './http'
import { type OtelResult, renderOtelSection, replaceOtelSection, runOtelBench } from './otel'
import { renderReport, renderUiSection, replaceUiSection } from './report'
import { SCALE_SECTIONS } from './scale-report'
import { keepSections } from './sections'
import { setUp } from './setup'
import { runSyncBench, type SyncResult } from './sync'
import { type PageRun, runUiBench } from './ui'

const only = process.env.BENCH_ONLY
const durationS = Number(process.env.BENCH_DURATION ?? 10)
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

if (only?.startsWith('scale')) {
  const { runScale } = await import('./scale')
  await runScale(only)
  process.exit(0)
}

const startedAt = new Date()
const loads: Record<string, string> = { start: load() }
console.log(`load average at start: ${loads.start}`)
const setup = await setUp()
let sync: SyncResult | undefined
const http: HttpResult[] = []
let ui: PageRun[] = []
let otel: OtelResult | undefined
const uiOptions = {
  rate: 200,
  connections: 10,
  durationS: Number(process.env.BENCH_UI_DURATION ?? 5),
  warmupS: 3,
  rounds: Number(process.env.BENCH_UI_ROUNDS ?? 5),
}
try {
  if (only !== 'ui') {
    console.log('sync: 100 restaurants, 2 worker processes ...')
    sync = await runSyncBench(setup, {
      workers: 2,
      concurrency: Number(process.env.BENCH_CONCURRENCY ?? 50),
      rounds: only === 'http' || only === 'otel' ? 1 : 'fill',
    })
    console.log(JSON.stringify(sync, null, 2))
    loads.afterSync = load()
  }
  if (only !== 'sync' && only !== 'ui' && only !== 'otel') {
    for (const cache of ['on', 'off'] as const) {
      console.log(`http: cache ${cache} ...`)
      const result = await runHttpBench(setup, {
        cache,
        path: 'ingredients',
        rate: 1000,
        rateConnections: Number(process.env.BENCH_RATE_CONNECTIONS ?? 10),
        maxConnections: Number(process.env.BENCH_MAX_CONNECTIONS ?? 50),
        durationS,
      })
      console.log(JSON.stringify(result, null, 2))
      http.push(result)
    }
    loads.afterHttp = load()
  }
  if (only === undefined || only === 'otel') {
    console.log('otel: the cached listing at 1,000/s, SDK on vs off ...')
    otel = await runOtelBench(setup, {
      rate: 1000,
      connections: Number(process.env.BENCH_RATE_CONNECTIONS ?? 10),
      durationS: Number(process.env.BENCH_OTEL_DURATION ?? 5),
      warmupS: 3,
      rounds: Number(process.env.BENCH_OTEL_ROUNDS ?? 5),
    })
    loads.afterOtel = load()
    console.log(renderOtelSection(otel, { startedAt, loads, versions: setup.versions }))
  }
  if (only === undefined || only === 'ui') {
    console.log('ui: the main pages of a restaurant with 2,000 ingredients ...')
    ui = await runUiBench(setup, uiOptions)
    loads.afterUi = load()
  }
} finally {
  await setup.close()
}
loads.end = load()
const report = renderReport({
  startedAt,
  finishedAt: new Date(),
  loads,
  versions: setup.versions,
  sync: only === 'http' ? undefined : sync,
  http,
  ui,
  uiOptions,
})
console.log(report)
const readme = new URL('./README.md', import.meta.url)
if (process.env.BENCH_WRITE !== '0' && only === undefined)
  writeFileSync(readme, keepSections(report, readFileSync(readme, 'utf8'), SCALE_SECTIONS))
if (process.env.BENCH_WRITE !== '0' && otel && (only === undefined || only === 'otel'))
  writeFileSync(
    readme,
    replaceOtelSection(
      readFileSync(readme, 'utf8'),
      renderOtelSection(otel, { startedAt, loads, versions: setup.versions }),
    ),
  )
if (process.env.BENCH_WRITE !== '0' && only === 'ui')
  writeFileSync(
    readme,
    replaceUiSection(
      readFileSync(readme, 'utf8'),
      renderUiSection(ui, uiOptions, { startedAt, loads, versions: setup.versions }),
    ),
  )
