/*
 * 10,000 restaurants in PostgreSQL (5M tenant rows) behind PgBouncer in transaction pooling, two API
 * instances per mode, 1,000 requests/s split between them (BENCH_ONLY=scale-http).
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type PgBouncer, type RedisServer, startPgBouncer, startRedis, TEST_PG_URL } from '@rc/test-services'
import autocannon from 'autocannon'
import { Redis } from 'ioredis'
import pg from 'pg'
import { loadConfig } from '../src/config'
import { createRuntime } from '../src/runtime'
import { type Child, startChild } from './processes'
import { type FamilyUsage, type KeyFamily, memoryByFamily, usedMemory } from './redis-memory'
import {
  dropScaleDatabase,
  restaurantId,
  SCALE_DATABASE,
  SCALE_RESTAURANTS,
  SCALE_USERS,
  type ScaleDatabase,
  scaleDatabase,
  userEmail,
} from './scale-data'
import { BENCH_TIERS } from './setup'

export interface ScaleHttpOptions {
  /** Offered requests/s in all, half to each instance: the target first, then lower ones to find what holds. */
  rates: number[]
  /** Connections per instance. */
  connections: number
  durationS: number
  rounds: number
  /** PgBouncer's server connections for the app's login (`default_pool_size`). */
  poolSize: number
  /** The first page of each restaurant's ingredients. */
  path: string
}

export interface Quantiles {
  p50: number
  p90: number
  p99: number
  max: number
}

export interface ModeRun extends Quantiles {
  mode: 'cached' | 'uncached'
  rate: number
  round: number
  requests: number
  requestsPerS: number
  bytesPerResponse: number
  non2xx: number
  errors: number
  timeouts: number
  /** PgBouncer's SHOW POOLS for the app's pool, sampled every 100 ms during the run. */
  pool: { maxActive: number; maxServers: number; maxClientsWaiting: number; maxWaitMs: number }
  /** The instances' cache events during the run (hit: memory or Redis; load: the query ran). */
  cache: Record<string, number>
  /** Fastify's reply.elapsedTime of every answer in both instances: the server's own share. */
  server: Quantiles
  /** CPU time of both instances during the run over the answers they gave. */
  cpuMsPerRequest: number
  /** Commands the bench's own Redis processed during the run, per request (bus and BullMQ's polling included). */
  redisCommandsPerRequest: number
  /** PgBouncer's CPU time, and its PostgreSQL backends' (from /proc), over the requests. */
  pgbouncerCpuMsPerRequest: number
  postgresCpuMsPerRequest: number
}

export interface ScaleHttpResult {
  options: ScaleHttpOptions
  database: ScaleDatabase & { bytes: number; tenantTableBytes: Record<string, number> }
  runs: ModeRun[]
  /** Medians over rounds, per mode and rate (max: the highest). */
  medians: Array<
    Quantiles & {
      mode: ModeRun['mode']
      rate: number
      requestsPerS: number
      server: Quantiles
      cpuMsPerRequest: number
      redisCommandsPerRequest: number
      postgresCpuMsPerRequest: number
      pgbouncerCpuMsPerRequest: number
    }
  >
  /** SHOW SERVERS at the end: server connections PgBouncer opened to PostgreSQL in all. */
  serverConnections: number
  clientConnections: number
  redis: { byFamily: Record<KeyFamily, FamilyUsage>; usedMemoryDelta: number; sessions: number }
}

const quantiles = (sorted: number[]): Quantiles => {
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) ?? 0 }
}
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/** Polls the admin console's SHOW POOLS for one database and user while `work` runs. */
async function watchPool<T>(
  admin: pg.Client,
  user: string,
  work: Promise<T>,
): Promise<{ value: T; pool: ModeRun['pool'] }> {
  const pool = { maxActive: 0, maxServers: 0, maxClientsWaiting: 0, maxWaitMs: 0 }
  let running = true
  const poll = (async () => {
    while (running) {
      const { rows } = await admin.query('SHOW POOLS')
      const row = rows.find((r) => r.database === SCALE_DATABASE && r.user === user)
      if (row) {
        const n = (k: string) => Number(row[k] ?? 0)
        pool.maxActive = Math.max(pool.maxActive, n('sv_active'))
        pool.maxServers = Math.max(
          pool.maxServers,
          n('sv_active') + n('sv_idle') + n('sv_used') + n('sv_tested') + n('sv_login'),
        )
        pool.maxClientsWaiting = Math.max(pool.maxClientsWaiting, n('cl_waiting'))
        pool.maxWaitMs = Math.max(pool.maxWaitMs, n('maxwait') * 1000 + n('maxwait_us') / 1000)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  })()
  try {
    return { value: await work, pool }
  } finally {
    running = false
    await poll
  }
}

interface Target {
  url: string
  requests: Array<{ method: 'GET'; path: string; headers: Record<string, string> }>
}

/** Requests sent this soon after a run's start are served but not counted in its latencies. */
const SETTLE_MS = 1_000

/** Requests in each connection's list. */
const WALK = 1_000

/** A seeded shuffle (mulberry32): every connection walks all restaurants in its own random order. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/**
 * autocannon against each target at once, `rate / targets` each (`rate` undefined: as fast as it goes);
 * every 2xx latency, to the microsecond. Each connection walks 1,000 random restaurants of all in its own order,
 * as requests through a round-robin balancer would arrive: no instance sees a subset of the tenants.
 * With `ranges`, connection k of target t walks the k-th contiguous slice instead, once (`amount`).
 */
async function load(
  targets: Target[],
  run: { rate?: number; connections: number; durationS?: number; ranges?: boolean; seed?: number },
) {
  const latencies: number[] = []
  const results = await Promise.all(
    targets.map((target, t) => {
      let nextClient = 0
      const slices = targets.length * run.connections
      const size = Math.ceil(target.requests.length / slices)
      return new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            url: target.url,
            connections: run.connections,
            ...(run.ranges
              ? { amount: Math.ceil(target.requests.length / targets.length) }
              : { duration: run.durationS! }),
            ...(run.rate ? { overallRate: run.rate / targets.length } : {}),
            requests: target.requests,
            setupClient(client) {
              const k = nextClient++
              if (run.ranges) {
                const from = (t * run.connections + k) * size
                client.setRequests(target.requests.slice(from, from + size))
              }
              // A random 1,000 of them (more than a connection sends in a run): autocannon prepares every
              // request of a list up front, and 10,000 per connection blocked this process for seconds,
              // which showed as seconds of latency on the connections already sending.
              else
                client.setRequests(
                  shuffled(target.requests, (run.seed ?? 1) * 1000 + t * 100 + k).slice(0, WALK),
                )
            },
          },
          (error, done) => (error ? reject(error) : resolve(done)),
        )
        const started = performance.now()
        instance.on('response', (_client, statusCode, _bytes, responseTime) => {
          // Requests sent in the run's first second are not counted: autocannon sets up every connection
          // (its request list included) synchronously at the start, and on a loaded machine the first
          // requests' answers then wait for that, which is this process' cost, not the server's.
          const sentAt = performance.now() - responseTime - started
          if (statusCode >= 200 && statusCode < 300 && (run.ranges || sentAt >= SETTLE_MS))
            latencies.push(responseTime)
        })
      })
    }),
  )
  latencies.sort((a, b) => a - b)
  const sum = (f: (r: autocannon.Result) => number) => results.reduce((t, r) => t + f(r), 0)
  const seconds = run.durationS ?? Math.max(...results.map((r) => r.duration))
  return {
    ...quantiles(latencies),
    requests: sum((r) => r.requests.total),
    requestsPerS: sum((r) => r.requests.total) / seconds,
    bytesPerResponse: sum((r) => r.throughput.total) / Math.max(1, latencies.length),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
  }
}

/** Every answer's server time (ms) since the last call, from each instance (bench/server.ts 'times'). */
async function serverTimes(
  children: Array<Child<{ type: 'ready'; url: string }, unknown>>,
): Promise<{ times: number[]; cpuMs: number }> {
  const all = await Promise.all(
    children.map(
      (child) =>
        new Promise<{ times: number[]; cpuMs: number }>((resolve) => {
          const off = child.onMessage((message) => {
            if (message.type !== 'times') return
            off()
            resolve({ times: message.times as number[], cpuMs: Number(message.cpuMs) })
          })
          child.send({ type: 'times' })
        }),
    ),
  )
  return {
    times: all.flatMap((a) => a.times).sort((x, y) => x - y),
    cpuMs: all.reduce((t, a) => t + a.cpuMs, 0),
  }
}

/** User + system CPU time of a process from /proc, in ms (Linux; 0 when it is gone). */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
  } catch {
    return 0
  }
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

/** CPU ms of PgBouncer and of the PostgreSQL backends it holds for the bench's database. */
async function databaseCpu(admin: pg.Client, bouncerPid: number): Promise<Map<number, number>> {
  const { rows } = await admin.query('SHOW SERVERS')
  const pids = rows.filter((r) => r.database === SCALE_DATABASE).map((r) => Number(r.remote_pid))
  return new Map([bouncerPid, ...pids].map((pid) => [pid, processCpuMs(pid)]))
}

async function commandsProcessed(redis: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0)
}

/** The instances' cache_events_total by event (hit, miss, load...), summed, from their /metrics. */
async function cacheEvents(urls: string[], opsToken: string): Promise<Record<string, number>> {
  const total: Record<string, number> = {}
  for (const url of urls) {
    const text = await (
      await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${opsToken}` } })
    ).text()
    for (const m of text.matchAll(/^cache_events_total\{event="([^"]+)"\} (\d+)/gm))
      total[m[1]!] = (total[m[1]!] ?? 0) + Number(m[2])
  }
  return total
}

export async function runScaleHttp(options: ScaleHttpOptions): Promise<ScaleHttpResult> {
  console.log(`scale-http: ${SCALE_DATABASE} ...`)
  const database = await scaleDatabase()
  console.log(
    database.reused ? '  reused (row counts as expected)' : `  loaded in ${database.loadS.toFixed(1)} s`,
  )
  const prefix = `bench-scale-${randomBytes(4).toString('hex')}`
  // A redis-server of its own: its used_memory and command count are this bench's alone.
  const redisServer: RedisServer = await startRedis()
  const redis = new Redis(redisServer.url)
  let bouncer: PgBouncer | undefined
  let admin: pg.Client | undefined
  const servers: Array<{ mode: ModeRun['mode']; child: Child<{ type: 'ready'; url: string }, unknown> }> = []
  const usedBefore = await usedMemory(redis)
  try {
    bouncer = await startPgBouncer({
      target: TEST_PG_URL,
      users: ['postgres', 'rc_app'],
      poolSize: options.poolSize,
      maxClients: 200,
    })
    admin = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${bouncer.port}/pgbouncer`,
    })
    await admin.connect()
    const bouncerPid = Number(readFileSync(join(bouncer.dir, 'pgbouncer.pid'), 'utf8').trim())
    const appUrl = `postgres://rc_app@127.0.0.1:${bouncer.port}/${SCALE_DATABASE}`
    const env: Record<string, string> = {
      // Migrations (advisory locks, DDL) as the owner straight to PostgreSQL; the app's role through PgBouncer.
      DATABASE_URL: database.url,
      APP_DATABASE_URL: appUrl,
      REDIS_URL: redisServer.url,
      TOKEN_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      POSTER_APP_SECRET: 'bench-scale-secret',
      KEY_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      RATE_TIERS: JSON.stringify(BENCH_TIERS),
      WORKER: 'off',
      OPS_TOKEN: randomBytes(16).toString('hex'),
    }
    // Sessions as a login makes them, through the app's own Sessions (1,000 managers, ten restaurants each).
    const runtime = await createRuntime(loadConfig({ ...env, WORKER: 'off' }))
    const tokens: string[] = []
    try {
      const { rows } = await runtime.owner.query<{ id: number; email: string }>(
        'SELECT id, email FROM control.users ORDER BY id',
      )
      const idOf = new Map(rows.map((r) => [r.email, Number(r.id)]))
      for (let u = 0; u < SCALE_USERS; u++)
        tokens.push(await runtime.sessions.create(idOf.get(userEmail(u))!))
    } finally {
      await runtime.close()
    }
    const requests = Array.from({ length: SCALE_RESTAURANTS }, (_, r) => ({
      method: 'GET' as const,
      path: `/api/restaurants/${restaurantId(r)}/${options.path}`,
      headers: { authorization: `Bearer ${tokens[Math.floor(r / (SCALE_RESTAURANTS / SCALE_USERS))]}` },
    }))
    // Started one after the other: each migrates (a no-op here) as it starts.
    for (const mode of ['cached', 'uncached'] as const)
      for (let i = 0; i < 2; i++)
        servers.push({
          mode,
          child: await startChild<{ type: 'ready'; url: string }>('./server.ts', {
            ...env,
            CACHE: mode === 'cached' ? 'on' : 'off',
            BENCH_SERVER_TIMES: '1',
          }),
        })
    const targets = (mode: ModeRun['mode']) =>
      servers.filter((s) => s.mode === mode).map((s) => ({ url: s.child.ready.url, requests }))
    for (const mode of ['cached', 'uncached'] as const) {
      const first = targets(mode)[0]!
      const response = await fetch(`${first.url}${requests[0]!.path}`, { headers: requests[0]!.headers })
      const body = (await response.json()) as { items?: unknown[] }
      if (response.status !== 200 || body.items?.length !== 50)
        throw new Error(`${mode} ${requests[0]!.path}: ${response.status}, ${body.items?.length ?? 0} items`)
      // Warm-up: every restaurant once (its entry in the cache's Redis, its config, its manager's
      // memberships), then JIT and pools at the measured rate.
      console.log(`  warm-up ${mode} ...`)
      await load(targets(mode), { connections: options.connections, ranges: true })
      await load(targets(mode), {
        rate: options.rates[0]!,
        connections: options.connections,
        durationS: 5,
        seed: 99,
      })
    }
    const runs: ModeRun[] = []
    for (let round = 1; round <= options.rounds; round++)
      for (const rate of options.rates)
        for (const mode of ['cached', 'uncached'] as const) {
          const urls = targets(mode).map((t) => t.url)
          const children = servers.filter((s) => s.mode === mode).map((s) => s.child)
          await serverTimes(children) // drops the warm-up's
          const before = await cacheEvents(urls, env.OPS_TOKEN!)
          const commandsBefore = await commandsProcessed(redis)
          const cpuBefore = await databaseCpu(admin, bouncerPid)
          const { value, pool } = await watchPool(
            admin,
            'rc_app',
            load(targets(mode), {
              rate,
              connections: options.connections,
              durationS: options.durationS,
              seed: round * 100 + rate,
            }),
          )
          const commands = (await commandsProcessed(redis)) - commandsBefore
          const cpuAfter = await databaseCpu(admin, bouncerPid)
          // Only processes there before and after: a backend opened during the run is not counted.
          const spent = (pid: number) =>
            cpuBefore.has(pid) ? (cpuAfter.get(pid) ?? 0) - cpuBefore.get(pid)! : 0
          const bouncerCpu = spent(bouncerPid)
          const postgresCpu = [...cpuAfter.keys()]
            .filter((p) => p !== bouncerPid)
            .reduce((t, p) => t + spent(p), 0)
          const measured = await serverTimes(children)
          const server = quantiles(measured.times)
          const cpuMsPerRequest = measured.cpuMs / Math.max(1, measured.times.length)
          const after = await cacheEvents(urls, env.OPS_TOKEN!)
          const cache = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]))
          runs.push({
            mode,
            rate,
            round,
            ...value,
            pool,
            cache,
            server,
            cpuMsPerRequest,
            redisCommandsPerRequest: commands / Math.max(1, value.requests),
            pgbouncerCpuMsPerRequest: bouncerCpu / Math.max(1, value.requests),
            postgresCpuMsPerRequest: postgresCpu / Math.max(1, value.requests),
          })
          console.log(
            `  round ${round} ${mode} at ${rate}/s: ${value.requestsPerS.toFixed(0)}/s p50 ${value.p50.toFixed(2)} p99 ${value.p99.toFixed(2)} ms (server p99 ${server.p99.toFixed(2)}), servers ${pool.maxServers} (active ${pool.maxActive}), non-2xx ${value.non2xx}`,
          )
        }
    const { rows: serverRows } = await admin.query('SHOW SERVERS')
    const { rows: clientRows } = await admin.query('SHOW CLIENTS')
    const byFamily = await memoryByFamily(redis, prefix)
    const usedMemoryDelta = (await usedMemory(redis)) - usedBefore
    const sizes = await sizesOf(database.url)
    const medians: ScaleHttpResult['medians'] = options.rates.flatMap((rate) =>
      (['cached', 'uncached'] as const).map((mode) => {
        const of = runs.filter((r) => r.mode === mode && r.rate === rate)
        const med = (f: (r: ModeRun) => number) => median(of.map(f))
        return {
          mode,
          rate,
          p50: med((r) => r.p50),
          p90: med((r) => r.p90),
          p99: med((r) => r.p99),
          max: Math.max(...of.map((r) => r.max)),
          requestsPerS: med((r) => r.requestsPerS),
          server: {
            p50: med((r) => r.server.p50),
            p90: med((r) => r.server.p90),
            p99: med((r) => r.server.p99),
            max: Math.max(...of.map((r) => r.server.max)),
          },
          cpuMsPerRequest: med((r) => r.cpuMsPerRequest),
          redisCommandsPerRequest: med((r) => r.redisCommandsPerRequest),
          postgresCpuMsPerRequest: med((r) => r.postgresCpuMsPerRequest),
          pgbouncerCpuMsPerRequest: med((r) => r.pgbouncerCpuMsPerRequest),
        }
      }),
    )
    return {
      options,
      database: { ...database, ...sizes },
      runs,
      medians,
      serverConnections: serverRows.filter((r) => r.database === SCALE_DATABASE).length,
      clientConnections: clientRows.filter((r) => r.database === SCALE_DATABASE).length,
      redis: { byFamily, usedMemoryDelta, sessions: tokens.length },
    }
  } finally {
    await Promise.all(servers.map((s) => s.child.stop()))
    await admin?.end().catch(() => {})
    await bouncer?.stop()
    redis.disconnect()
    await redisServer.destroy()
    if (process.env.BENCH_SCALE_DROP === '1') await dropScaleDatabase()
  }
}

async function sizesOf(url: string): Promise<{ bytes: number; tenantTableBytes: Record<string, number> }> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ bytes: string }>(
      'SELECT pg_database_size(current_database()) AS bytes',
    )
    const tables = await client.query<{ name: string; bytes: string }>(
      `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'`,
    )
    return {
      bytes: Number(rows[0]!.bytes),
      tenantTableBytes: Object.fromEntries(tables.rows.map((r) => [r.name, Number(r.bytes)])),
    }
  } finally {
    await client.end()
  }
}
