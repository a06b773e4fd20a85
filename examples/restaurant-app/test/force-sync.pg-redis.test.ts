import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryQueue } from '../src/jobs/memory-queue'
import type { JobHandlers } from '../src/jobs/queue'
import { bearer, type Stack, startStack, user } from './stack'

const TEN_MINUTES = 10 * 60_000
let stack: Stack
let admin: string
let platform: string

beforeAll(async () => {
  stack = await startStack({
    label: 'force_sync',
    restaurants: 2,
    users: [user('admin@r1.test', { r1: 'admin' }), user('ops@example.test', {}, true)],
  })
  admin = await stack.login('admin@r1.test')
  platform = await stack.login('ops@example.test')
}, 60_000)

afterAll(async () => {
  await stack?.close()
})

describe('Force Sync while the scheduler has a delayed sync pending (BullMQ)', () => {
  it.each([
    ['the admin page', 'r0', () => `/api/admin/restaurants/r0/sync`, () => platform],
    ["the restaurant's own API", 'r1', () => `/api/restaurants/r1/sync`, () => admin],
  ])(
    'runs now from %s',
    async (_where, restaurantId, url, token) => {
      // What sync-all leaves behind: this restaurant's scheduled sync, minutes away.
      const scheduled = await stack.runtime.jobs.enqueueSync(
        { restaurantId, reason: 'scheduled' },
        { delayMs: TEN_MINUTES },
      )
      expect((await stack.runtime.jobs.get(scheduled.id))?.state).toBe('delayed')

      const response = await stack.app.inject({ method: 'POST', url: url(), headers: bearer(token()) })
      expect(response.statusCode).toBe(202)
      const done = await stack.waitForJob(response.json().jobId, 30_000)
      expect(done.state).toBe('completed')
      // Nothing of this restaurant is left waiting for the scheduler's slot.
      expect((await stack.runtime.jobs.get(scheduled.id))?.state).not.toBe('delayed')
    },
    60_000,
  )
})

describe('syncNow on the in-process queue (embedded mode)', () => {
  it('promotes the delayed identical sync instead of waiting for it', async () => {
    const ran: string[] = []
    const handlers: JobHandlers = {
      sync: async (data) => {
        ran.push(data.reason)
      },
      syncAll: async () => undefined,
      tokenCheck: async () => undefined,
      pushSupply: async () => undefined,
    }
    const queue = createMemoryQueue()
    queue.startWorker(handlers, 1)
    try {
      const scheduled = await queue.enqueueSync(
        { restaurantId: 'x', reason: 'scheduled' },
        { delayMs: TEN_MINUTES },
      )
      const now = await queue.syncNow({ restaurantId: 'x', reason: 'manual' })
      const deadline = Date.now() + 5_000
      while ((await queue.get(now.id))?.state !== 'completed' && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10))
      expect((await queue.get(now.id))?.state).toBe('completed')
      expect(now.id).toBe(scheduled.id)
      expect(ran).toHaveLength(1)
      // With nothing pending, it simply enqueues.
      const fresh = await queue.syncNow({ restaurantId: 'y', reason: 'manual' })
      expect(fresh.deduplicated).toBe(false)
    } finally {
      await queue.close()
    }
  })
})
