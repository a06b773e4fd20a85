import { type RedisServer, startRedis } from '@rc/test-services'
import { Queue } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bullConnection } from '../src/jobs/bullmq-queue'
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
