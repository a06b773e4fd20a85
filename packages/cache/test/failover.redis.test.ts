import { randomBytes } from 'node:crypto'
import {
  type RedisCluster,
  type RedisSentinel,
  startRedisCluster,
  startRedisSentinel,
} from '@rc/test-services'
import { Cluster, Redis, type RedisOptions } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { type Cache, type CacheEvent, createCache } from '../src/index'
import { memoryStore } from '../src/memory'
import { redisBus, redisStore } from '../src/redis'
import { type LoadReport, modeTimes, runLoad } from './support/failover-load'

// Failovers take seconds and start five to six processes: CI (RC_FULL=1) runs them.
const FULL = process.env.RC_FULL === '1'
// The command timeout of these caches (the default 50 ms opens the circuit on a loaded machine).
const STORE_TIMEOUT_MS = 200
// No call may wait past the command timeout; 10x so a loaded machine does not flake it.
const CALL_BOUND_MS = STORE_TIMEOUT_MS * 10
const RECOVERY_BOUND_MS = 60_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The client options the README recommends for a cache through Sentinel. */
const sentinelClientOptions = (sentinel: RedisSentinel): RedisOptions => ({
  sentinels: sentinel.sentinels,
  name: sentinel.name,
  // Reconnect when the Sentinels announce +switch-master, even if the old primary's socket stays open.
  failoverDetector: true,
  // Fail at once while disconnected: the cache serves from its fallback instead of queueing.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 1_000,
  retryStrategy: (times) => Math.min(times * 50, 500),
  sentinelRetryStrategy: (times) => Math.min(times * 50, 500),
})

interface Instance {
  client: Redis | Cluster
  cache: Cache
  events: { type: CacheEvent['type']; at: number; detail?: string }[]
}

function makeInstance(client: Redis | Cluster, prefix: string, clients: (Redis | Cluster)[]): Instance {
  client.on('error', () => {})
  clients.push(client)
  const events: Instance['events'] = []
  const cache = createCache({
    store: redisStore({ client }),
    fallback: memoryStore(),
    l1: true,
    bus: redisBus({ client }),
    prefix,
    storeTimeout: STORE_TIMEOUT_MS,
    onEvent: (e) =>
      events.push({
        type: e.type,
        at: performance.now(),
        detail: e.error ? String(e.error).slice(0, 160) : undefined,
      }),
  })
  return { client, cache, events }
}

async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = RECOVERY_BOUND_MS,
) {
  const started = performance.now()
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${typeof what === 'string' ? what : what()}: not within ${timeoutMs} ms`)
    }
    await sleep(20)
  }
  return Math.round(performance.now() - started)
}

/** An instance's mode and its last events, for a timeout's message. */
function status(instance: Instance): string {
  const last = instance.events.filter((e) => ['fallback', 'recover', 'error'].includes(e.type)).slice(-4)
  const stream = (instance.client as Redis).stream as { remotePort?: number } | undefined
  return `${instance.cache.stats().mode}, client ${instance.client.status} on port ${stream?.remotePort}, last events ${last.map((e) => `${e.type} ${e.detail ?? ''}`).join(' | ')}`
}

/** Until a write on `a` drops `b`'s l1 copy: the bus carries invalidations again. */
async function coherenceRecovers(a: Cache, b: Cache): Promise<number> {
  let n = 0
  return waitFor(async () => {
    await a.set('coherence', `v${n++}`)
    await b.get('coherence') // into b's l1
    const value = `v${n++}`
    await a.set('coherence', value)
    await sleep(50)
    return (await b.get('coherence')) === value
  }, 'a write on A never reached B’s l1 again')
}

/**
 * After a failure at `failedAt`: until both instances recovered from it and are on the primary, then a
 * second more of load; the loads' reports, how soon l1 coherence returned, each instance's mode times.
 */
async function settleAfter(
  failedAt: number,
  a: Instance,
  b: Instance,
  loadA: { stop(): Promise<LoadReport> },
  loadB: { stop(): Promise<LoadReport> },
) {
  await waitFor(
    () =>
      (modeTimes(a.events, failedAt).recover ?? 0) > failedAt &&
      (modeTimes(b.events, failedAt).recover ?? 0) > failedAt &&
      a.cache.stats().mode === 'primary' &&
      b.cache.stats().mode === 'primary',
    () => `both instances back on the primary (A ${status(a)}; B ${status(b)})`,
  )
  await sleep(1_000)
  const [reportA, reportB] = [await loadA.stop(), await loadB.stop()]
  const coherenceMs = await coherenceRecovers(a.cache, b.cache)
  return {
    reportA,
    reportB,
    coherenceMs,
    timesA: modeTimes(a.events, failedAt),
    timesB: modeTimes(b.events, failedAt),
  }
}

function assertHealthy(name: string, report: LoadReport) {
  expect(report.calls, name).toBeGreaterThan(50)
  expect(report.threw, `${name}: calls threw`).toEqual([])
  expect(report.slowestMs, `${name}: slowest call`).toBeLessThan(CALL_BOUND_MS)
  expect(report.olderThanOwnWrite, `${name}: read back older than its own write`).toEqual([])
}

describe.runIf(FULL)('failover through Sentinel, under load', () => {
  let sentinel: RedisSentinel | undefined
  const clients: (Redis | Cluster)[] = []
  const caches: Cache[] = []
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((c) => c.close()))
    for (const c of clients.splice(0)) c.disconnect()
    await sentinel?.destroy()
    sentinel = undefined
  })

  async function scenario(
    fail: (s: RedisSentinel) => Promise<unknown>,
    after?: (s: RedisSentinel) => Promise<void>,
    setup: { clientOptions?: RedisOptions; nodeArgs?: string[] } = {},
  ) {
    // Two replicas: the promoted primary keeps one (and can take writes under min-replicas-to-write).
    sentinel = await startRedisSentinel({ replicas: 2, nodeArgs: setup.nodeArgs })
    const prefix = `fo-${randomBytes(3).toString('hex')}`
    const options = { ...sentinelClientOptions(sentinel), ...setup.clientOptions }
    const a = makeInstance(new Redis(options), prefix, clients)
    const b = makeInstance(new Redis(options), prefix, clients)
    caches.push(a.cache, b.cache)
    await waitFor(() => a.cache.stats().mode === 'primary' && b.cache.stats().mode === 'primary', 'primary')
    await coherenceRecovers(a.cache, b.cache)
    const shared = Array.from({ length: 10 }, (_, i) => `shared:${i}`)
    const loadA = runLoad(a.cache, { own: 'a', ownKeys: 1_000, shared, writer: true, pauseMs: 2 })
    const loadB = runLoad(b.cache, { own: 'b', ownKeys: 1_000, shared, writer: false, pauseMs: 2 })
    await sleep(1_000)

    const failedAt = performance.now()
    await fail(sentinel)
    const promoted = await sentinel.waitForFailover({ timeoutMs: RECOVERY_BOUND_MS })
    const promotedAt = performance.now()
    await after?.(sentinel)
    const { reportA, reportB, coherenceMs, timesA, timesB } = await settleAfter(failedAt, a, b, loadA, loadB)
    console.log(
      `failover: Sentinel promoted ${Math.round(promotedAt - failedAt)} ms after the failure; ` +
        `A in fallback ${timesA.inFallbackMs} ms, B ${timesB.inFallbackMs} ms; A recovered ${Math.round(timesA.recover! - promotedAt)} ms after the promotion; ` +
        `calls A ${reportA.calls} (slowest ${Math.round(reportA.slowestMs)} ms), B ${reportB.calls} (slowest ${Math.round(reportB.slowestMs)} ms); ` +
        `l1 coherence back within ${coherenceMs} ms of the check`,
    )
    assertHealthy('A', reportA)
    assertHealthy('B', reportB)
    return { a, b, reportA, reportB, promoted, prefix }
  }

  it('primary killed: no call throws or waits past the timeout, own writes read back, l1 coherent again', async () => {
    const { reportA, promoted, prefix } = await scenario((s) => s.killPrimary())
    await assertOwnWritesKept(() => new Redis({ port: promoted.port, host: '127.0.0.1' }), prefix, reportA)
  }, 180_000)

  async function freezeThaw(setup: { clientOptions?: RedisOptions; nodeArgs?: string[] }) {
    let frozen: { cli(...a: string[]): Promise<string> } | undefined
    const { reportA, promoted, prefix } = await scenario(
      async (s) => {
        frozen = await s.freezePrimary()
      },
      async (s) => {
        s.thaw()
        // Sentinel turns the thawed node into a replica (~10 s; once 60 s on a loaded machine).
        // The switch drops the node's connections, so a ROLE asked at that moment can be cut off.
        await waitFor(
          async () => (await frozen!.cli('ROLE').catch(() => '')).startsWith('slave'),
          'old primary demoted',
          150_000,
        )
      },
      setup,
    )
    await assertOwnWritesKept(() => new Redis({ port: promoted.port, host: '127.0.0.1' }), prefix, reportA)
  }

  it('primary frozen then thawed (failoverDetector): same, and nothing replayed onto the old primary is lost', async () => {
    await freezeThaw({})
  }, 300_000)

  // Without failoverDetector the clients stay on the frozen primary's open sockets; once it thaws
  // they replay onto it, and Sentinel's demotion throws those writes away. min-replicas-to-write
  // makes the thawed node refuse them instead: the cache stays on its fallback until the
  // demotion disconnects the clients, then replays onto the new primary. (With neither, one run
  // read back 74 values older than A's own writes.)
  it('primary frozen then thawed, no failoverDetector but min-replicas-to-write 1: nothing is lost', async () => {
    await freezeThaw({
      clientOptions: { failoverDetector: false },
      nodeArgs: ['--min-replicas-to-write', '1', '--min-replicas-max-lag', '2'],
    })
  }, 300_000)
})

/** Reads A's own keys from the store afresh (no l1): none may hold a value older than A's last completed write. */
async function assertOwnWritesKept(connect: () => Redis | Cluster, prefix: string, report: LoadReport) {
  const direct = connect()
  direct.on('error', () => {})
  try {
    const reader = createCache({ store: redisStore({ client: direct }), prefix, storeTimeout: '5s' })
    const older: string[] = []
    for (const [key, last] of report.lastWrite) {
      const stored = await reader.get<number>(key)
      if (stored !== undefined && (last === undefined || stored < last))
        older.push(`${key}: ${stored} < ${last}`)
    }
    await reader.close()
    expect(older, 'the store holds values older than A’s last write').toEqual([])
  } finally {
    direct.disconnect()
  }
}

describe.runIf(FULL)('failover of a Redis Cluster master, under load', () => {
  let cluster: RedisCluster | undefined
  const clients: (Redis | Cluster)[] = []
  const caches: Cache[] = []
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((c) => c.close()))
    for (const c of clients.splice(0)) c.disconnect()
    await cluster?.destroy()
    cluster = undefined
  })

  it('a master killed: same properties, and deletePattern / keys() reach every master after it', async () => {
    cluster = await startRedisCluster(3, { replicas: 1 })
    const c = cluster
    const connect = () =>
      new Cluster(c.startupNodes, {
        enableOfflineQueue: false,
        clusterRetryStrategy: (times) => Math.min(times * 50, 500),
        redisOptions: { commandTimeout: 1_000, maxRetriesPerRequest: 1 },
      })
    const prefix = `cfo-${randomBytes(3).toString('hex')}`
    const a = makeInstance(connect(), prefix, clients)
    const b = makeInstance(connect(), prefix, clients)
    caches.push(a.cache, b.cache)
    await waitFor(() => a.cache.stats().mode === 'primary' && b.cache.stats().mode === 'primary', 'primary')
    await coherenceRecovers(a.cache, b.cache)
    const shared = Array.from({ length: 10 }, (_, i) => `shared:${i}`)
    const loadA = runLoad(a.cache, { own: 'a', ownKeys: 1_000, shared, writer: true, pauseMs: 2 })
    const loadB = runLoad(b.cache, { own: 'b', ownKeys: 1_000, shared, writer: false, pauseMs: 2 })
    await sleep(1_000)

    const failedAt = performance.now()
    const killed = await c.killMaster(0)
    const promoted = await c.waitForFailover({ timeoutMs: RECOVERY_BOUND_MS })
    const promotedAt = performance.now()
    expect(promoted).not.toBe(killed)
    const { reportA, reportB, coherenceMs, timesA, timesB } = await settleAfter(failedAt, a, b, loadA, loadB)
    console.log(
      `cluster failover: replica promoted ${Math.round(promotedAt - failedAt)} ms after the kill; ` +
        `A in fallback ${timesA.inFallbackMs} ms, B ${timesB.inFallbackMs} ms; ` +
        `calls A ${reportA.calls} (slowest ${Math.round(reportA.slowestMs)} ms), B ${reportB.calls} (slowest ${Math.round(reportB.slowestMs)} ms); ` +
        `l1 coherence back within ${coherenceMs} ms of the check`,
    )
    assertHealthy('A', reportA)
    assertHealthy('B', reportB)
    await assertOwnWritesKept(connect, prefix, reportA)

    // The promoted replica is a master now: listing and pattern deletes must reach it too.
    const masters = await c.masters()
    expect(masters).toContain(promoted)
    const spread = a.cache.namespace('spread')
    for (let i = 0; i < 300; i++) await spread.set(`item:${i}`, i)
    const perMaster = await Promise.all(
      masters.map(
        async (m) =>
          (await m.cli('--scan', '--pattern', `${prefix}|spread*`)).split('\n').filter(Boolean).length,
      ),
    )
    expect(
      perMaster.every((n) => n > 0),
      `keys per master: ${perMaster}`,
    ).toBe(true)
    const listed = new Set<string>()
    for await (const key of spread.keys('item:*')) listed.add(key)
    expect(listed.size).toBe(300)
    expect(await spread.deletePattern('item:*')).toBe(300)
    const left = await Promise.all(
      masters.map(
        async (m) =>
          (await m.cli('--scan', '--pattern', `${prefix}|spread*`)).split('\n').filter(Boolean).length,
      ),
    )
    expect(left).toEqual([0, 0, 0])
  }, 240_000)
})
