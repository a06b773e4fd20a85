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
// The contract is not about timeouts (outage.redis.test.ts is): a store timeout well above a loaded
// machine's stalls keeps a slow answer from tripping the breaker in the middle of a contract case.
describeCache({
  name: 'redis',
  create: () => redisStore({ client: connect() }),
  cacheOptions: { storeTimeout: '1s' },
})
describeCache({
  name: 'redis with l1',
  create: () => redisStore({ client: connect() }),
  cacheOptions: { l1: true, storeTimeout: '1s' },
})

describe('redisStore', () => {
  const prefix = `rc-redis-test-${randomBytes(4).toString('hex')}`
  afterAll(async () => {
    await redisStore({ client: connect() }).deletePattern(`${prefix}*`)
  })

  it('sends the first get of a tick at once, the rest of that tick as one MGET, and a lone get as a GET', async () => {
    const client = connect()
    const store = redisStore({ client })
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`${prefix}|k${i}`, `v${i}`, undefined)))
    const monitor = await monitorRedis(TEST_REDIS_URL)
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => store.get(`${prefix}|k${i}`)))
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`))
    expect(await store.get(`${prefix}|k3`)).toBe('v3')
    // MONITOR delivers asynchronously; the lone GET (of k3) comes last.
    const mine = (c: string[]) => c[0]!.endsWith('get') && (c[1] ?? '').startsWith(prefix)
    await monitor.waitFor((c) => c[0] === 'get' && c[1] === `${prefix}|k3`)
    monitor.stop()
    const sent = monitor.commands.filter(mine)
    expect(sent.map((c) => c[0])).toEqual(['get', 'mget', 'get'])
    expect(sent[1]!.length).toBe(20) // mget and 19 keys
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

  it('getMany of 100 keys is one MGET; setMany one pipeline; getOrSetMany one read and one loader call', async () => {
    const client = connect()
    const cache = createCache({
      store: redisStore({ client }),
      prefix: `${prefix}-batch`,
      storeTimeout: '5s',
    })
    const keys = Array.from({ length: 100 }, (_, i) => `supplier:${i}`)
    const monitor = await monitorRedis(TEST_REDIS_URL)
    await cache.setMany(keys.map((key, i) => ({ key, value: { i } })))
    const values = await cache.getMany(keys)
    expect(values.map((v) => (v as { i: number }).i)).toEqual(keys.map((_, i) => i))
    let calls = 0
    const more = [...keys.slice(0, 50), 'supplier:new1', 'supplier:new2']
    const loaded = await cache.getOrSetMany(more, async (missing) => {
      calls++
      return missing.map((k) => ({ loaded: k }))
    })
    expect(loaded.at(-1)).toEqual({ loaded: 'supplier:new2' })
    expect(calls).toBe(1)
    const mine = (c: string[]) => (c[1] ?? '').startsWith(`${prefix}-batch`)
    await monitor.waitFor((c) => c[0] === 'set' && (c[1] ?? '').endsWith('supplier:new2'))
    monitor.stop()
    const commands = monitor.commands.filter(mine).map((c) => c[0])
    // 100 SETs (one pipeline, not visible as such in MONITOR), one MGET of 100, one MGET of 52, 2 SETs.
    expect(commands.filter((c) => c === 'mget')).toHaveLength(2)
    expect(commands.filter((c) => c === 'get')).toHaveLength(0)
    expect(commands.filter((c) => c === 'set')).toHaveLength(102)
    await cache.clear()
    await cache.close()
  })

  it('lists keys with SCAN, never KEYS', async () => {
    const client = connect()
    const cache = createCache({ store: redisStore({ client }), prefix: `${prefix}-list`, storeTimeout: '5s' })
    await cache.setMany(Array.from({ length: 600 }, (_, i) => ({ key: `k${i}`, value: i })))
    const monitor = await monitorRedis(TEST_REDIS_URL)
    const listed = new Set<string>()
    for await (const key of cache.keys('k*')) listed.add(key)
    expect(listed.size).toBe(600)
    const scanned = (c: string[]) => c[0] === 'scan' && c.some((arg) => arg.startsWith(`${prefix}-list`))
    expect(await monitor.waitFor(scanned)).toBe(true)
    monitor.stop()
    const mine = monitor.commands.filter((c) => c.some((arg) => arg.startsWith(`${prefix}-list`)))
    expect(mine.some((c) => c[0] === 'keys')).toBe(false)
    await cache.clear()
    await cache.close()
  })

  it('rejects a missing client clearly', () => {
    expect(() => redisStore({} as any)).toThrow(/ioredis Redis or Cluster/)
  })
})
