import { randomBytes } from 'node:crypto'
import { TEST_REDIS_URL } from '@rc/test-services'
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
    const monitor = await connect().monitor()
    const seen: string[] = []
    monitor.on('monitor', (_time: string, args: string[]) => {
      const command = String(args[0]).toLowerCase()
      if (String(args[1] ?? '').startsWith(prefix) && command.endsWith('get')) seen.push(command)
    })
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`${prefix}|k${i}`, `v${i}`, undefined)))
    seen.length = 0
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => store.get(`${prefix}|k${i}`)))
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`))
    expect(await store.get(`${prefix}|k3`)).toBe('v3')
    // MONITOR delivers asynchronously.
    for (let waited = 0; seen.length < 2 && waited < 5_000; waited += 20)
      await new Promise((r) => setTimeout(r, 20))
    expect(seen).toEqual(['mget', 'get'])
    monitor.disconnect()
  })

  it('deletes by pattern with SCAN, never KEYS', async () => {
    const client = connect()
    const cache = createCache({ store: redisStore({ client }), prefix, storeTimeout: '5s' })
    for (let i = 0; i < 1200; i++) await cache.set(`restaurant:${i}`, i)
    const monitor = await connect().monitor()
    const commands = new Set<string>()
    monitor.on('monitor', (_t: string, args: string[]) => commands.add(String(args[0]).toLowerCase()))
    expect(await cache.deletePattern('restaurant:*')).toBe(1200)
    monitor.disconnect()
    expect(commands.has('scan')).toBe(true)
    expect(commands.has('keys')).toBe(false)
    await cache.close()
  })

  it('rejects a missing client clearly', () => {
    expect(() => redisStore({} as any)).toThrow(/ioredis Redis or Cluster/)
  })
})
