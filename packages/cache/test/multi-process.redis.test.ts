import { randomBytes } from 'node:crypto'
import { TEST_REDIS_URL } from '@rc/test-services'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createCache } from '../src/index'
import { redisBus, redisStore } from '../src/redis'
import { type CacheWorker, startWorker } from './support/worker'

const prefix = `rc-mp-${randomBytes(4).toString('hex')}`
const redis = new Redis(TEST_REDIS_URL)
const workers: CacheWorker[] = []
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()))
  await redisStore({ client: redis }).deletePattern(`${prefix}*`)
  redis.disconnect()
})
const now = () => Number(process.hrtime.bigint()) / 1e6

describe('l1 kept coherent by the bus across two processes', () => {
  it('never serves the old value once the bus has delivered a set, delete or tag invalidation', async () => {
    const client = new Redis(TEST_REDIS_URL)
    const cache = createCache({
      store: redisStore({ client }),
      bus: redisBus({ client }),
      l1: true,
      prefix,
      storeTimeout: '5s',
    })
    const other = await startWorker({ redisUrl: TEST_REDIS_URL, prefix, l1: true })
    workers.push(other)
    await new Promise((r) => setTimeout(r, 100)) // both bus subscriptions are live
    const delays: Record<string, number> = {}

    // Each step: the other process holds `old` in its l1, this one changes it.
    const step = async (name: string, old: string, next: string | null, change: () => Promise<unknown>) => {
      expect((await other.send('get', { key: 'menu' })).value).toBe(old)
      const watching = other.send('waitFor', { key: 'menu', value: next, old, timeoutMs: 5_000 })
      await new Promise((r) => setTimeout(r, 20)) // it is now polling its l1 hit
      const started = now()
      await change()
      const result = await watching
      expect(result.seenAt).not.toBeNull()
      expect(result.regressions).toBe(0)
      expect(result.l1Hits).toBeGreaterThan(10)
      delays[name] = result.seenAt - started
    }

    await cache.set('menu', 'v1', { tags: ['menu'] })
    await step('set', 'v1', 'v2', () => cache.set('menu', 'v2', { tags: ['menu'] }))
    await step('delete', 'v2', null, () => cache.delete('menu'))
    await cache.set('menu', 'v3', { tags: ['menu'] })
    await step('invalidateTags', 'v3', null, () => cache.invalidateTags(['menu']))
    // Generous bound (the bench records the real delay): no hang, no missed message.
    for (const ms of Object.values(delays)) expect(ms).toBeLessThan(2_000)
    console.log('bus propagation delays (ms):', JSON.stringify(delays))
    await cache.close()
    client.disconnect()
  })
})

describe("lock: 'distributed'", () => {
  it('runs the loader exactly once across 4 processes of 25 concurrent callers', async () => {
    const fleet = await Promise.all(
      Array.from({ length: 4 }, () => startWorker({ redisUrl: TEST_REDIS_URL, prefix, lock: true })),
    )
    workers.push(...fleet)
    const counterKey = `${prefix}-loader-runs`
    const results = await Promise.all(
      fleet.map((w) => w.send('stampede', { key: 'report', callers: 25, counterKey, loadMs: 200 })),
    )
    expect(Number(await redis.get(counterKey))).toBe(1)
    const values = new Set(results.flatMap((r) => r.values))
    expect([...values]).toEqual(['loaded by run 1'])
  })
})
