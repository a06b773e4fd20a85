import { randomBytes } from 'node:crypto'
import { monitorRedis, TEST_REDIS_URL } from '@rc/test-services'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createCache } from '../src/index'
import { redisStore } from '../src/redis'
import { describeCache, describeCacheStore } from '../src/testing'

const clients: Redis[] = []
const connect = () => {
  const client = new Redis(TEST_REDIS_URL)
  clients.push(client)
  return client
}
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()))
})

describeCacheStore({ name: 'redis', create: () => redisStore({ client: connect() }) })
describeCache({ name: 'redis', create: () => redisStore({ client: connect() }) })
describeCache({
  name: 'redis with l1',
  create: () => redisStore({ client: connect() }),
  cacheOptions: { l1: true },
})

describe('redisStore', () => {
  const prefix = `rc-redis-test-${randomBytes(4).toString('hex')}`
  afterAll(async () => {
    await redisStore({ client: connect() }).deletePattern(`${prefix}*`)
  })

  it('sends concurrent gets as one MGET and a lone get as a plain GET', async () => {
    const client = connect()
    const store = redisStore({ client })
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`${prefix}|k${i}`, `v${i}`, undefined)))
    const monitor = await monitorRedis(TEST_REDIS_URL)
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => store.get(`${prefix}|k${i}`)))
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`))
    expect(await store.get(`${prefix}|k3`)).toBe('v3')
    // MONITOR delivers asynchronously; the lone GET comes last.
    const mine = (c: string[]) => c[0]!.endsWith('get') && (c[1] ?? '').startsWith(prefix)
    await monitor.waitFor((c) => c[0] === 'get' && mine(c))
    monitor.stop()
    expect(monitor.commands.filter(mine).map((c) => c[0])).toEqual(['mget', 'get'])
  })

  it('deletes by pattern with SCAN, never KEYS', async () => {
    const client = connect()
    const cache = createCache({ store: redisStore({ client }), prefix, storeTimeout: '5s' })
    for (let i = 0; i < 1200; i++) await cache.set(`restaurant:${i}`, i)
    const monitor = await monitorRedis(TEST_REDIS_URL)
    expect(await cache.deletePattern('restaurant:*')).toBe(1200)
    const scanned = (c: string[]) => c[0] === 'scan' && c.some((arg) => arg.startsWith(prefix))
    expect(await monitor.waitFor(scanned)).toBe(true)
    monitor.stop()
    // Other test files share this Redis: only commands naming this test's prefix count.
    const mine = monitor.commands.filter((c) => c.some((arg) => arg.startsWith(prefix)))
    expect(mine.some((c) => c[0] === 'keys')).toBe(false)
    await cache.close()
  })

  it('rejects a missing client clearly', () => {
    expect(() => redisStore({} as any)).toThrow(/ioredis Redis or Cluster/)
  })
})
