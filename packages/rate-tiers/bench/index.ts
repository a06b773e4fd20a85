/*
 * @rc/rate-tiers vs rate-limiter-flexible, side by side in one run, on one redis-server started
 * for the bench (so nothing else's keys or scripts share it). 500 keys, round robin; limits high
 * enough that every call is admitted, so both libraries do their full write path.
 * The machine is shared, so the cases of a group take turns over several rounds and the report
 * keeps each case's median round. Each group runs in a process of its own, so that what the JIT
 * learnt from one group (its stores, its call shapes) does not slow or speed another.
 * The `noop EVALSHA` row is the floor of any atomic Redis
 * decision: one EVALSHA of a script that returns at once, sent the same keys and arguments as a
 * one-limit decision of ours.
 * Imports the built package (the `bench` script builds it first), as users run it.
 * Writes bench/README.md.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { luaScript, runScript } from '@rc/internal'
import { type Algorithm, createRateTiers } from '@rc/rate-tiers'
import { redisRateStore } from '@rc/rate-tiers/redis'
import { startRedis } from '@rc/test-services'
import Redis from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterUnion } from 'rate-limiter-flexible'
import { encodeDecisions, encodeSingle, scriptSource, singleSource } from '../src/redis/scripts'
import type { StoreCall } from '../src/types'
import { measure, type Row } from './harness'
import { type RoundTrips, renderReport, type ScriptCost } from './report'

// `bench tracing`: the tracing channel's cost alone (bench/tracing.ts), no Redis needed.
if (process.argv[2] === 'tracing') await import('./tracing')

const KEYS = Array.from({ length: 500 }, (_, i) => `tenant-${i}`)
const HIGH = 1_000_000
const CONCURRENCY = [1, 64]
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)

type Case = { name: string; call: (key: string) => Promise<unknown> }

const only = process.argv.includes('--group') ? process.argv[process.argv.indexOf('--group') + 1] : undefined
const redis = only ? undefined : await startRedis()
const client = new Redis(process.env.BENCH_REDIS_URL ?? redis!.url, { lazyConnect: true })
await client.connect()

const limiter = (algorithm: Algorithm, store?: ReturnType<typeof redisRateStore>) =>
  createRateTiers({
    algorithm,
    tiers: { pro: { api: `${HIGH}/1m`, analysis: `${HIGH}/1h` } },
    ...(store ? { store } : {}),
  })
const onRedis = (algorithm: Algorithm, prefix: string) =>
  limiter(algorithm, redisRateStore({ client, prefix }))
const rlfRedis = (prefix: string, duration: number) =>
  new RateLimiterRedis({ storeClient: client, points: HIGH, duration, keyPrefix: prefix })
const noop = luaScript('return 0')

function groups(): Record<string, Case[]> {
  const rlf = rlfRedis('rlf', 60)
  const union = new RateLimiterUnion(rlfRedis('u1', 60), rlfRedis('u2', 3600))
  const memory = new RateLimiterMemory({ points: HIGH, duration: 60 })
  const one = (algorithm: Algorithm, store: 'redis' | 'memory'): Case => {
    const tiers = store === 'redis' ? onRedis(algorithm, 'b:') : limiter(algorithm)
    return {
      name: `rate-tiers ${algorithm}`,
      call: (key) => tiers.consume({ key, tier: 'pro', bucket: 'api' }),
    }
  }
  const two = (algorithm: Algorithm): Case => {
    const tiers = onRedis(algorithm, 'u:')
    return {
      name: `rate-tiers ${algorithm} (api + analysis)`,
      call: (key) => tiers.consume({ key, tier: 'pro', buckets: ['api', 'analysis'] }),
    }
  }
  const algorithms: Algorithm[] = ['sliding-log', 'gcra', 'fixed-window', 'sliding-window']
  return {
    redis: [
      {
        name: 'noop EVALSHA',
        call: (key) =>
          runScript(
            client,
            noop,
            [`n:{${key}}:api:60000:gc`],
            ['d', 1, '1', 1, '', 1, HIGH, 60_000, HIGH, 0],
          ),
      },
      { name: 'rate-limiter-flexible RateLimiterRedis', call: (key) => rlf.consume(key) },
      ...algorithms.map((a) => one(a, 'redis')),
    ],
    'two buckets': [
      { name: 'rate-limiter-flexible RateLimiterUnion', call: (key) => union.consume(key) },
      two('sliding-log'),
      two('gcra'),
    ],
    memory: [
      { name: 'rate-limiter-flexible RateLimiterMemory', call: (key) => memory.consume(key) },
      ...algorithms.map((a) => one(a, 'memory')),
    ],
  }
}

/** Script runs Redis counted while `work` ran (EVALSHA and EVAL, from INFO commandstats). */
async function scriptRuns(work: () => Promise<unknown>): Promise<number> {
  const count = async () => {
    const info = await client.info('commandstats')
    return [...info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0)
  }
  const before = await count()
  await work()
  // The INFO call itself is not a script run.
  return (await count()) - before
}

async function roundTrips(): Promise<RoundTrips> {
  const N = 1000
  // Warm up first: the first run of a script is an EVALSHA refused with NOSCRIPT, then an EVAL.
  const leases = createRateTiers({
    store: redisRateStore({ client, prefix: 'rt-lease:' }),
    tiers: { pro: { api: `${HIGH}/1m`, inflight: { concurrency: 64 } } },
  })
  await leases.release(await leases.consume({ key: 'warm-up', tier: 'pro', buckets: ['api', 'inflight'] }))
  const lease = await scriptRuns(async () => {
    for (let i = 0; i < N; i++) {
      const d = await leases.consume({
        key: KEYS[i % KEYS.length]!,
        tier: 'pro',
        buckets: ['api', 'inflight'],
      })
      await leases.release(d)
    }
  })
  const blocking = createRateTiers({
    store: redisRateStore({ client, prefix: 'rt-block:' }),
    tiers: { pro: { login: { limit: 1, window: '1m', blockFor: '15m' } } },
  })
  const login = { key: 'mallory', tier: 'pro', bucket: 'login' }
  await blocking.consume(login)
  await blocking.consume(login)
  const blocked = await scriptRuns(async () => {
    for (let i = 0; i < N; i++) await blocking.consume(login)
  })
  return { leasePair: lease / N, blockedCall: blocked / N }
}

/** µs Redis spends per script run (INFO commandstats), for each script and a batch of 16. */
async function scriptCosts(): Promise<ScriptCost[]> {
  const N = 2000
  const limit = {
    name: ':api:60000',
    limit: HIGH,
    windowMs: 60_000,
    burst: HIGH,
    concurrency: false,
    shadow: false,
    chargeDenied: false,
    block: undefined,
  }
  const callOf = (algorithm: Algorithm, i: number): StoreCall => ({
    algorithm,
    key: KEYS[i % KEYS.length]!,
    limits: [limit],
    cost: 1,
    charge: true,
    lease: '',
  })
  const costs: ScriptCost[] = []
  const usecPerCall = async (run: (i: number) => Promise<unknown>) => {
    await run(0)
    await client.config('RESETSTAT')
    for (let i = 0; i < N; i++) await run(i)
    const m = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await client.info('commandstats'))!
    return Number(m[2]) / Number(m[1])
  }
  costs.push({
    script: 'noop EVALSHA',
    perRun: await usecPerCall((i) =>
      runScript(
        client,
        noop,
        [`n:{${KEYS[i % KEYS.length]}}`],
        ['d', 1, '1', 1, '', 1, HIGH, 60_000, HIGH, 0],
      ),
    ),
    decisions: 1,
  })
  for (const algorithm of ['sliding-log', 'gcra'] as const) {
    const single = luaScript(singleSource(algorithm))
    const general = luaScript(scriptSource(algorithm))
    const key = (k: string, name: string) => `cost:${algorithm}:{${k}}${name}`
    const one = async (i: number) => {
      const { keys, args } = encodeSingle(callOf(algorithm, i), key)
      return runScript(client, single, keys, args)
    }
    const generalOf = (size: number) => async (i: number) => {
      const calls = Array.from({ length: size }, (_, j) => callOf(algorithm, i * size + j))
      const { keys, args } = encodeDecisions(calls, key)
      return runScript(client, general, keys, args)
    }
    costs.push({ script: `${algorithm} one-limit script`, perRun: await usecPerCall(one), decisions: 1 })
    costs.push({
      script: `${algorithm} general script, 1 decision`,
      perRun: await usecPerCall(generalOf(1)),
      decisions: 1,
    })
    costs.push({
      script: `${algorithm} general script, 16 decisions`,
      perRun: await usecPerCall(generalOf(16)),
      decisions: 16,
    })
  }
  return costs
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** One group's rows, measured in this process. */
async function measureGroup(group: string, cases: Case[]): Promise<Row[]> {
  const rows: Row[] = []
  for (const concurrency of CONCURRENCY) {
    const rounds = new Map<string, Row[]>(cases.map((c) => [c.name, []]))
    for (let round = 0; round < ROUNDS; round++) {
      for (const { name, call } of cases) {
        let i = 0
        rounds.get(name)!.push(await measure(group, name, concurrency, () => call(KEYS[i++ % KEYS.length]!)))
      }
    }
    for (const { name } of cases) {
      const measured = rounds.get(name)!
      rows.push({
        group,
        name,
        concurrency,
        opsPerSec: median(measured.map((r) => r.opsPerSec)),
        p50Us: median(measured.map((r) => r.p50Us)),
        p99Us: median(measured.map((r) => r.p99Us)),
      })
    }
  }
  return rows
}

if (only) {
  const rows = await measureGroup(only, groups()[only]!)
  client.disconnect()
  process.stdout.write(JSON.stringify(rows))
} else {
  const rows: Row[] = []
  let trips: RoundTrips | undefined
  let costs: ScriptCost[] = []
  try {
    trips = await roundTrips()
    costs = await scriptCosts()
    for (const group of Object.keys(groups())) {
      const child = spawnSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), '--group', group],
        {
          env: { ...process.env, BENCH_REDIS_URL: redis!.url },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
          maxBuffer: 16 * 1024 * 1024,
        },
      )
      if (child.status !== 0) throw new Error(`bench group ${group} failed with status ${child.status}`)
      rows.push(...(JSON.parse(child.stdout) as Row[]))
      console.error(`done: ${group}`)
    }
  } finally {
    client.disconnect()
    await redis!.destroy()
  }
  const report = renderReport(rows, ROUNDS, trips!, costs)
  console.log(report)
  // The tracing section is written by `bench tracing` alone: keep it.
  const readme = new URL('./README.md', import.meta.url)
  const tracing = /<!-- tracing:start -->[\s\S]*<!-- tracing:end -->/.exec(readFileSync(readme, 'utf8'))?.[0]
  writeFileSync(readme, tracing ? `${report}\n## tracing channel\n\n${tracing}\n` : report)
}
