import { randomBytes } from 'node:crypto'
import { type RedisServer, startRedis } from '@rc/test-services'
import { afterEach, describe, expect, it } from 'vitest'
import { createBullQueue } from '../src/jobs/bullmq-queue'
import type { JobHandlers, JobQueue } from '../src/jobs/queue'

// The app's BullMQ queue closing as a SIGTERM would close it: with Redis well, down and frozen.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const CLOSE_TIMEOUT_MS = 1_000
// Ten times what close() should take at worst (the grace, then a few seconds to let go): no hang.
const BOUND_MS = 10 * (CLOSE_TIMEOUT_MS + 3_000)

let redis: RedisServer | undefined
let queue: JobQueue | undefined
afterEach(async () => {
  redis?.resume()
  await queue?.close()
  await redis?.destroy()
  redis = queue = undefined
})

/** A queue on a Redis of its own whose sync jobs take `jobMs` and are counted when they finish. */
async function rig(jobMs: number) {
  redis = await startRedis()
  const done: string[] = []
  const started: string[] = []
  const handlers: JobHandlers = {
    async sync(_data, context) {
      started.push(context.id)
      await sleep(jobMs)
      done.push(context.id)
    },
    syncAll: async () => {},
    tokenCheck: async () => {},
    pushSupply: async () => {},
  }
  const prefix = `close-${randomBytes(4).toString('hex')}`
  const jobs = createBullQueue({
    redis: { kind: 'standalone', url: redis.url },
    prefix,
    closeTimeoutMs: CLOSE_TIMEOUT_MS,
  })
  queue = jobs
  jobs.startWorker(handlers, 2)
  const { id } = await jobs.enqueueSync({ restaurantId: 'r0', reason: 'manual' })
  for (let i = 0; i < 200 && !started.includes(id); i++) await sleep(25)
  expect(started).toContain(id)
  return { jobs, id, done, redis, prefix }
}

async function timedClose(jobs: JobQueue) {
  const begun = performance.now()
  queue = undefined
  await jobs.close()
  return performance.now() - begun
}

describe('closing the BullMQ queue', () => {
  it('with Redis well: a running job finishes and is recorded completed before close() resolves', async () => {
    const { jobs, id, done, redis, prefix } = await rig(300)
    const ms = await timedClose(jobs)
    expect(done).toEqual([id])
    expect(ms).toBeLessThan(BOUND_MS)
    // Its outcome reached Redis: a queue on the same keys sees it completed.
    const reader = createBullQueue({ redis: { kind: 'standalone', url: redis.url }, prefix })
    expect((await reader.get(id))?.state).toBe('completed')
    await reader.close()
  })

  it('a job longer than closeTimeoutMs does not hold close() past it', async () => {
    const { jobs, done } = await rig(60_000)
    const ms = await timedClose(jobs)
    expect(ms).toBeGreaterThanOrEqual(CLOSE_TIMEOUT_MS - 50)
    expect(ms).toBeLessThan(BOUND_MS)
    expect(done).toEqual([])
  })

  for (const outage of ['stopped', 'frozen'] as const) {
    it(`with Redis ${outage} and a job running: close() resolves (it used to wait for Redis for good)`, async () => {
      const { jobs, redis } = await rig(200)
      if (outage === 'stopped') await redis.stop()
      else redis.pause()
      // Commands queued behind the outage, as an API instance would have them.
      void jobs.enqueueSync({ restaurantId: 'r1', reason: 'manual' }).catch(() => {})
      void jobs.counts().catch(() => {})
      expect(await timedClose(jobs)).toBeLessThan(BOUND_MS)
    }, 60_000)
  }
})
