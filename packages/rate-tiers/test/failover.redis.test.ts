import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import {
  type RedisCluster,
  type RedisSentinel,
  startRedisCluster,
  startRedisSentinel,
} from '@rc/test-services'
import { afterEach, describe, expect, it } from 'vitest'
import type { FailoverConfig, FailoverTally } from './fixtures/failover-worker'
import { runWorkers } from './fixtures/run-workers'

// Failovers take seconds each and start six Redis processes and four workers: CI (RC_FULL=1) runs them.
const FULL = process.env.RC_FULL === '1'
const WORKER = fileURLToPath(new URL('./fixtures/failover-worker.ts', import.meta.url))
const PROCESSES = 4
const LIMIT = 400
// 4 processes x 2 callers, one call each per 100 ms: 80 calls/s, so the limit is not reached before
// the failover 2.5 s in, and the whole run stays inside one window.
const RUN = { callers: 2, pauseMs: 100, durationMs: 12_000, failAtMs: 2_500 }
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)

/**
 * The stated bound for one window spanning a failover (README, "Failover"): what Redis admits (the
 * limit, plus whatever the promoted replica never received, `lost`) plus what the memory fallbacks
 * admit from zero, each instance its share: n x floor(limit / n) <= limit.
 */
const bound = (lost: number) => LIMIT + PROCESSES * Math.floor(LIMIT / PROCESSES) + lost

let sentinel: RedisSentinel | undefined
let cluster: RedisCluster | undefined
afterEach(async () => {
  await sentinel?.destroy()
  sentinel = undefined
  await cluster?.destroy()
  cluster = undefined
})

/** Runs the workers through the Sentinels (or on the Cluster, when started), `fail` RUN.failAtMs in. */
async function run(fail: () => Promise<void>) {
  const config: FailoverConfig = {
    ...(cluster
      ? { cluster: cluster.startupNodes }
      : { sentinels: sentinel!.sentinels, name: sentinel!.name }),
    prefix: `rt-failover:${randomBytes(4).toString('hex')}:`,
    key: 'hot',
    limit: `${LIMIT}/1m`,
    processes: PROCESSES,
    ...RUN,
  }
  let failure: Promise<void> | undefined
  const tallies = await runWorkers<FailoverTally>(PROCESSES, config, {
    worker: WORKER,
    beforeGo: async () => {
      failure = new Promise((r) => setTimeout(r, RUN.failAtMs)).then(fail)
    },
  })
  await failure
  const log = `${config.prefix}{${config.key}}:api:60000:sl`
  const primary = cluster
    ? (await cluster.masters())[await cluster.masterIndexOf(log)]!
    : await sentinel!.currentPrimary()
  const inRedis = Number(await primary.cli('LLEN', log))
  const admitted = sum(tallies.map((t) => t.admitted))
  const fallback = sum(tallies.map((t) => t.admittedFallback))
  // Admissions Redis decided that the promoted node does not hold (replication lag at the failover).
  const lost = Math.max(0, admitted - fallback - inRedis)
  const downMs = tallies.map((t) => {
    const error = t.events.find((e) => e.type === 'store-error')
    const recovered = t.events.findLast((e) => e.type === 'store-recovered')
    return error && recovered ? recovered.at - error.at : undefined
  })
  console.log(
    `rate-tiers failover${cluster ? ' (cluster)' : ''}, ${PROCESSES} processes on ${LIMIT}/1m: admitted ${admitted} (${fallback} by the fallbacks, ` +
      `${inRedis} held by the new primary, ${lost} lost), bound ${bound(lost)}; fallback per process ${tallies.map((t) => t.admittedFallback).join('/')}; ` +
      `back on Redis after ${downMs.join('/')} ms; ${sum(tallies.map((t) => t.errors))} errors`,
  )
  return { tallies, admitted, fallback, inRedis, lost, downMs }
}

/** What every failover here must show: see the describe blocks below. */
function expectBoundedAndBack(r: Awaited<ReturnType<typeof run>>): void {
  expect(sum(r.tallies.map((t) => t.errors))).toBe(0)
  expect(r.admitted).toBeLessThanOrEqual(bound(r.lost))
  // Each fallback kept to its share of the limit.
  for (const t of r.tallies) expect(t.admittedFallback).toBeLessThanOrEqual(LIMIT / PROCESSES)
  // Every instance switched to its fallback and came back to Redis without help.
  for (const t of r.tallies) {
    expect(t.events.map((e) => e.type)).toContain('store-error')
    expect(t.events.at(-1)?.type).toBe('store-recovered')
  }
  // Redis went on deciding after the failover: the limit is reached there, not only before it.
  expect(r.inRedis).toBe(LIMIT)
}

describe.runIf(FULL)('rate-tiers through a Sentinel failover, 4 processes on one key', () => {
  it('primary killed: admissions stay within the bound, and decisions return to Redis by themselves', async () => {
    sentinel = await startRedisSentinel()
    const r = await run(async () => {
      await sentinel!.killPrimary()
      await sentinel!.waitForFailover()
    })
    expectBoundedAndBack(r)
  }, 120_000)

  it('primary frozen, then thawed: admissions stay within the bound, decisions return to Redis', async () => {
    // Two replicas and min-replicas-to-write: a thawed old primary refuses the writes it would lose.
    sentinel = await startRedisSentinel({
      replicas: 2,
      nodeArgs: ['--min-replicas-to-write', '1', '--min-replicas-max-lag', '2'],
    })
    const r = await run(async () => {
      await sentinel!.freezePrimary()
      await sentinel!.waitForFailover()
      sentinel!.thaw()
    })
    expectBoundedAndBack(r)
  }, 120_000)
})

describe.runIf(FULL)('rate-tiers on a 3-master Cluster with replicas, 4 processes on one key', () => {
  it("the key's master killed: admissions stay within the bound, decisions return to Redis", async () => {
    cluster = await startRedisCluster(3, { replicas: 1 })
    const r = await run(async () => {
      await cluster!.killMaster(await cluster!.masterIndexOf('{hot}'))
      await cluster!.waitForFailover()
    })
    expectBoundedAndBack(r)
  }, 120_000)
})
