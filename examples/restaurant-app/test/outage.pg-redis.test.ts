import { type RedisServer, startRedis } from '@rc/test-services'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, ops, type Stack, startStack, user } from './stack'

// The app on a Redis of its own, which this file stops and restarts.
let redis: RedisServer
let stack: Stack
let token: string

beforeAll(async () => {
  redis = await startRedis()
  stack = await startStack({
    label: 'outage',
    restaurants: 1,
    tiers: ['pro'],
    users: [user('admin@r0.test', { r0: 'admin' })],
    env: { REDIS_URL: redis.url },
  })
  token = await stack.login('admin@r0.test')
  const { id } = await stack.runtime.jobs.enqueueSync({ restaurantId: 'r0', reason: 'manual' })
  expect((await stack.waitForJob(id)).state).toBe('completed')
}, 60_000)

afterAll(async () => {
  await redis?.start().catch(() => {})
  await stack?.close()
  await redis?.destroy()
})

async function timed(method: 'GET' | 'POST', url: string, headers = bearer(token)) {
  const started = performance.now()
  const response = await stack.app.inject({ method, url, headers })
  return { response, ms: performance.now() - started }
}

describe('Redis down', () => {
  it('keeps serving reads with limits and headers, reports degraded, refuses syncs fast, and recovers by itself', async () => {
    expect((await timed('GET', '/api/restaurants/r0/suppliers')).response.statusCode).toBe(200)
    await redis.stop()

    // Generous bounds: they prove nothing hangs, not how fast the fallback is.
    const read = await timed('GET', '/api/restaurants/r0/suppliers')
    expect(read.response.statusCode).toBe(200)
    expect(read.ms).toBeLessThan(5_000)
    expect(read.response.headers['x-ratelimit-tier']).toBe('pro') // limits fall back to memory, still enforced

    const health = (await timed('GET', '/health/detailed', ops)).response
    expect(health.statusCode).toBe(200)
    expect(health.json()).toMatchObject({
      status: 'degraded',
      db: { ok: true },
      redis: { ok: false },
      queue: { ok: false },
    })
    const ready = (await timed('GET', '/ready')).response
    expect(ready.statusCode, ready.body).toBe(200)
    // Not cached yet: the cache finds Redis gone, serves through its fallback, and says so.
    const analytics = await timed('GET', '/api/restaurants/r0/analytics')
    expect(analytics.response.statusCode).toBe(200)
    expect(analytics.ms).toBeLessThan(5_000)
    expect((await timed('GET', '/api/cache-status', ops)).response.json().mode).toBe('fallback')

    const sync = await timed('POST', '/api/restaurants/r0/sync')
    expect(sync.response.statusCode).toBe(503)
    expect(sync.response.json().code).toBe('QUEUE_UNAVAILABLE')
    expect(sync.ms).toBeLessThan(5_000)

    await redis.start()
    // This Redis keeps nothing on disk, so the restart lost the sessions: log in again once it answers.
    const loginBy = Date.now() + 20_000
    for (;;) {
      try {
        token = await stack.login('admin@r0.test')
        break
      } catch (error) {
        if (Date.now() > loginBy) throw error
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
    const deadline = Date.now() + 20_000
    let status = 0
    let jobId = ''
    while (Date.now() < deadline) {
      const again = await timed('POST', '/api/restaurants/r0/sync')
      status = again.response.statusCode
      if (status === 202) {
        jobId = again.response.json().jobId
        break
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(status).toBe(202)
    expect((await stack.waitForJob(jobId, 30_000)).state).toBe('completed')
    const recovered = (await timed('GET', '/health/detailed', ops)).response.json()
    expect(recovered.status).toBe('ok')
  }, 90_000)
})
