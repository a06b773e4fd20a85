/*
 * 10,000 restaurants in PostgreSQL (5M tenant rows) behind PgBouncer in transaction pooling, two API
 * instances per mode, 1,000 requests/s split between them (BENCH_ONLY=scale-http).
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type PgBouncer, type RedisServer, startPgBouncer, startRedis, TEST_PG_URL } from '@rc/test-services'
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
import { load, type Quantiles, quantiles } from './scale-load'
import {
  cacheEvents,
  commandsProcessed,
  databaseCpu,
  type PoolPeak,
  serverTimes,
  watchPool,
} from './scale-probes'
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
  pool: PoolPeak
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
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
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
          const cpuBefore = await databaseCpu(admin, bouncerPid, SCALE_DATABASE)
          const { value, pool } = await watchPool(
            admin,
            SCALE_DATABASE,
            'rc_app',
            load(targets(mode), {
              rate,
              connections: options.connections,
              durationS: options.durationS,
              seed: round * 100 + rate,
            }),
          )
          const commands = (await commandsProcessed(redis)) - commandsBefore
          const cpuAfter = await databaseCpu(admin, bouncerPid, SCALE_DATABASE)
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
