import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import {
  type RedisCluster,
  type RedisSentinel,
  startRedisCluster,
  startRedisSentinel,
} from '@rc/test-services'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createFakePoster, type FakePoster } from '../src/testing'
import { maxInWindow } from './helpers'
import { startWorker } from './worker-process'

// Failovers take seconds and start six Redis processes plus four workers: CI (RC_FULL=1) runs them.
const FULL = process.env.RC_FULL === '1'
const WORKERS = 4
const CALLERS = 3
const PER_SECOND = 5
/**
 * What a failover may add to one second, stated in the README: the grants of the last window the
 * new primary never received (asynchronous replication), at most one window's worth, so at most
 * 2 x PER_SECOND in any second. The fake answers 429 past it.
 */
const BOUND = PER_SECOND
const DURATION_MS = 16_000
const FAIL_AT_MS = 4_000
const children = new Set<ChildProcess>()
let fake: FakePoster
let sentinel: RedisSentinel | undefined
let cluster: RedisCluster | undefined

beforeAll(async () => {
  fake = await createFakePoster({ accounts: 3, rateLimit: { perSecond: PER_SECOND + BOUND } })
})
afterEach(async () => {
  for (const child of children) child.kill('SIGKILL')
  await sentinel?.destroy()
  sentinel = undefined
  await cluster?.destroy()
  cluster = undefined
})
afterAll(async () => {
  await fake?.close()
})

interface Report {
  ok: number[]
  errors: Array<{ at: number; code: string }>
}

/** Starts the workers on one account (Sentinel or Cluster), runs `fail` FAIL_AT_MS after "go". */
async function run(account: { account: string; token: string }, fail: () => Promise<void>) {
  const target = cluster
    ? { CLUSTER_NODES: JSON.stringify(cluster.startupNodes) }
    : { SENTINELS: JSON.stringify(sentinel!.sentinels), SENTINEL_NAME: sentinel!.name }
  const prefix = `test:poster:failover:${randomUUID()}:`
  const workers = Array.from({ length: WORKERS }, () => {
    return startWorker<Report & { done?: boolean }>(
      'failover-worker.ts',
      {
        FAKE_URL: fake.url,
        ACCOUNT: account.account,
        TOKEN: account.token,
        PREFIX: prefix,
        PER_SECOND: String(PER_SECOND),
        CALLERS: String(CALLERS),
        DURATION_MS: String(DURATION_MS),
        ...target,
      },
      children,
    )
  })
  await Promise.all(workers.map((w) => w.ready))
  const started = Date.now()
  for (const w of workers) w.child.send('go')
  await new Promise((r) => setTimeout(r, FAIL_AT_MS))
  const failedAt = Date.now()
  await fail()
  const reports = await Promise.all(workers.map((w) => w.done))
  const seen = fake.requests.filter((r) => r.account === account.account && r.at >= started)
  const served = seen.map((r) => r.at).sort((a, b) => a - b)
  let gapMs = 0
  for (let i = 1; i < served.length; i++) gapMs = Math.max(gapMs, served[i]! - served[i - 1]!)
  const errors = reports.flatMap((r) => r.errors)
  const result = {
    seen,
    errors,
    maxPerSecond: maxInWindow(served, 1000),
    gapMs,
    // Served in the last quarter of the run: the limiter came back by itself.
    servedLate: served.filter((at) => at > started + DURATION_MS * 0.75).length,
    failedAt,
  }
  console.log(
    `poster limiter${cluster ? ' (cluster)' : ''}, ${WORKERS} processes at ${PER_SECOND}/s: ${seen.length} served, max ${result.maxPerSecond} in a second, ` +
      `${seen.filter((r) => r.status === 429).length} x 429, ${errors.length} errors (${[...new Set(errors.map((e) => e.code))].join(', ')}), longest gap ${Math.round(gapMs)} ms`,
  )
  return result
}

describe.runIf(FULL)(
  'the Redis limiter store through a Sentinel failover, 4 processes on one account',
  () => {
    it('primary killed: at most limit + bound in any second, no 429, back on its own', async () => {
      sentinel = await startRedisSentinel()
      const result = await run(fake.accounts[0]!, async () => {
        await sentinel!.killPrimary()
        await sentinel!.waitForFailover()
      })
      expect(result.seen.filter((r) => r.status === 429)).toEqual([])
      expect(result.maxPerSecond).toBeLessThanOrEqual(PER_SECOND + BOUND)
      // Nothing unthrottled: the only errors are the limiter's own, while no primary answered.
      expect(result.errors.filter((e) => e.code !== 'POSTER_LIMITER_UNAVAILABLE')).toEqual([])
      expect(result.servedLate).toBeGreaterThan(0)
    }, 120_000)

    it('primary frozen then thawed: at most limit + bound in any second, no 429, back on its own', async () => {
      // Two replicas and min-replicas-to-write: the thawed old primary refuses writes it would lose.
      sentinel = await startRedisSentinel({
        replicas: 2,
        nodeArgs: ['--min-replicas-to-write', '1', '--min-replicas-max-lag', '2'],
      })
      const result = await run(fake.accounts[1]!, async () => {
        await sentinel!.freezePrimary()
        await sentinel!.waitForFailover()
        sentinel!.thaw()
      })
      expect(result.seen.filter((r) => r.status === 429)).toEqual([])
      expect(result.maxPerSecond).toBeLessThanOrEqual(PER_SECOND + BOUND)
      expect(result.errors.filter((e) => e.code !== 'POSTER_LIMITER_UNAVAILABLE')).toEqual([])
      expect(result.servedLate).toBeGreaterThan(0)
    }, 120_000)
  },
)

describe.runIf(FULL)(
  "the Redis limiter store on a 3-master Cluster with replicas, the account's master killed",
  () => {
    it('at most limit + bound in any second, no 429, back on its own', async () => {
      cluster = await startRedisCluster(3, { replicas: 1 })
      const account = fake.accounts[2]!
      const result = await run(account, async () => {
        await cluster!.killMaster(await cluster!.masterIndexOf(`{${account.account}}`))
        await cluster!.waitForFailover()
      })
      expect(result.seen.filter((r) => r.status === 429)).toEqual([])
      expect(result.maxPerSecond).toBeLessThanOrEqual(PER_SECOND + BOUND)
      expect(result.errors.filter((e) => e.code !== 'POSTER_LIMITER_UNAVAILABLE')).toEqual([])
      expect(result.servedLate).toBeGreaterThan(0)
    }, 120_000)
  },
)
