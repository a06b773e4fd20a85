import { type RedisServer, startRedis } from '@rc/test-services'
import { Queue } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bullConnection, createBullQueue } from '../src/jobs/bullmq-queue'
import type { JobHandlers } from '../src/jobs/queue'
import { TOKEN_CHECK_EVERY_MS } from '../src/runtime'
import { type Instance, ops, type Stack, startStack } from './stack'

// A Redis of this file's own, which it flushes: what a Redis restart without persistence, a failover to an
// empty replica or an operator's FLUSHALL does to the job schedulers.
let redis: RedisServer
let stack: Stack
let queue: Queue

beforeAll(async () => {
  redis = await startRedis()
  stack = await startStack({
    label: 'schedules',
    restaurants: 1,
    env: { REDIS_URL: redis.url, SYNC_INTERVAL: '1h', SCHEDULE_CHECK: '1h' },
  })
  queue = new Queue('sync', { connection: bullConnection(redis.url), prefix: `${stack.prefix}:bull` })
}, 60_000)

afterAll(async () => {
  await queue?.close()
  await stack?.close()
  await redis?.destroy()
})

const schedulers = async () => (await queue.getJobSchedulers()).map((s) => s.key).sort()
const health = async (app = stack.app) => (await app.inject({ url: '/health/detailed', headers: ops })).json()

describe('job schedulers after Redis loses its data', () => {
  it('health reports missing schedulers, and a scheduling process re-creates them', async () => {
    await stack.runtime.jobs.startSchedules({
      syncEveryMs: 3_600_000,
      tokenCheckEveryMs: TOKEN_CHECK_EVERY_MS,
    })
    expect(await schedulers()).toEqual(['sync-all', 'token-check'])
    expect(await health()).toMatchObject({ status: 'ok', schedules: { ok: true } })

    await redis.cli('FLUSHALL')
    // This process checks only hourly: the loss is visible, and not hidden behind "ok".
    expect(await health()).toMatchObject({
      status: 'degraded',
      schedules: { ok: false, missing: ['sync-all', 'token-check'] },
    })

    // A worker that checks every half second puts them back, and the schedule runs again.
    const worker: Instance = await stack.instance()
    try {
      await worker.runtime.jobs.startSchedules({
        syncEveryMs: 3_600_000,
        tokenCheckEveryMs: TOKEN_CHECK_EVERY_MS,
        checkEveryMs: 500,
      })
      await redis.cli('FLUSHALL')
      const deadline = Date.now() + 15_000
      while ((await schedulers()).length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100))
      expect(await schedulers()).toEqual(['sync-all', 'token-check'])
      expect(await health()).toMatchObject({ status: 'ok', schedules: { ok: true, missing: [] } })
      expect(await health(worker.app)).toMatchObject({ status: 'ok', schedules: { ok: true } })
      // Everything before the flush is gone: a completed sync-all is a tick of the re-created scheduler.
      const ticked = Date.now() + 15_000
      const ran = async () => (await queue.getJobs(['completed'])).some((j) => j.name === 'sync-all')
      while (!(await ran()) && Date.now() < ticked) await new Promise((resolve) => setTimeout(resolve, 100))
      expect(await ran()).toBe(true)
    } finally {
      await worker.close()
    }
  }, 60_000)
})

describe('a job scheduler whose next run is lost', () => {
  // BullMQ schedules a scheduler's next run when the current one starts, and gives up if Redis fails
  // then (a failover): the scheduler stays in Redis, its next run is gone, and it never fires again.
  // Made deterministic here by deleting that run from Redis, as the failed write would have left it.
  it('is rescheduled by the schedule check, and ticks again', async () => {
    let ticks = 0
    const handlers: JobHandlers = {
      sync: async () => {},
      syncAll: async () => {
        ticks++
      },
      tokenCheck: async () => {},
      pushSupply: async () => {},
    }
    const prefix = `lost-run-${Date.now()}`
    const jobs = createBullQueue({ redis: { kind: 'standalone', url: redis.url }, prefix })
    const inspect = new Queue('sync', { connection: bullConnection(redis.url), prefix })
    const waitUntil = async (check: () => Promise<boolean> | boolean, ms: number) => {
      const deadline = Date.now() + ms
      while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      return check()
    }
    try {
      jobs.startWorker(handlers, 1)
      await jobs.startSchedules({
        syncEveryMs: 2_000,
        tokenCheckEveryMs: TOKEN_CHECK_EVERY_MS,
        checkEveryMs: 500,
      })
      expect(await waitUntil(() => ticks > 0, 15_000)).toBe(true)
      // The run BullMQ scheduled when this tick started: delete it.
      const { next } = (await inspect.getJobScheduler('sync-all'))!
      const id = `repeat:sync-all:${next}`
      expect(await inspect.getJobState(id)).toBe('delayed')
      await redis.cli('ZREM', inspect.keys.delayed!, id)
      await redis.cli('DEL', inspect.toKey(id))
      const lostAt = ticks
      // Due in at most 2 s, overdue 1 s later, found by the next check: well inside 10x.
      expect(await waitUntil(() => ticks > lostAt, 35_000), 'the scheduler ticked again').toBe(true)
    } finally {
      await jobs.close()
      await inspect.close()
    }
  }, 60_000)
})
