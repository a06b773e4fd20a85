import { randomBytes } from 'node:crypto'
import { startRedis, TEST_REDIS_URL } from '@rc/test-services'
import Redis from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createRateTiers } from '../src/index'
import { redisRateStore } from '../src/redis'
import { script } from '../src/redis/run-script'
import { scriptSource } from '../src/redis/scripts'
import { describeRateStore } from './contract'

const prefix = `rt-test:${randomBytes(4).toString('hex')}:`
let client: Redis

beforeAll(async () => {
  client = new Redis(TEST_REDIS_URL, { lazyConnect: true })
  await client.connect()
})
afterAll(async () => {
  const keys = await client.keys(`${prefix}*`)
  if (keys.length > 0) await client.del(...keys)
  client.disconnect()
})

describeRateStore('redis', () => redisRateStore({ client, prefix }))

describe('redis store specifics', () => {
  it('keeps every bucket of one key under one {key} hash tag', async () => {
    const tiers = createRateTiers({
      store: redisRateStore({ client, prefix }),
      tiers: { free: { api: '5/1m', analysis: ['2/1s', '10/1h'] } },
    })
    await tiers.consume({ key: 'loc_42', tier: 'free', buckets: ['api', 'analysis'] })
    const keys = (await client.keys(`${prefix}{loc_42}*`)).sort()
    expect(keys).toEqual([
      `${prefix}{loc_42}:analysis:1000:sl`,
      `${prefix}{loc_42}:analysis:3600000:sl`,
      `${prefix}{loc_42}:api:60000:sl`,
    ])
  })

  it('takes time from Redis TIME, not from the process clock', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2001-01-01T00:00:00Z') })
    try {
      const tiers = createRateTiers({
        store: redisRateStore({ client, prefix }),
        algorithm: 'fixed-window',
        tiers: { free: { api: '5/1m' } },
      })
      const d = await tiers.consume({ key: 'clock', tier: 'free', bucket: 'api' })
      const [sec, usec] = (await client.time()) as [number, number]
      const redisNow = Number(sec) * 1000 + Number(usec) / 1000
      const expected = Math.ceil(redisNow / 60_000) * 60_000 - redisNow
      expect(Math.abs(d.resetMs - expected)).toBeLessThan(1000)
      expect(Date.now()).toBe(new Date('2001-01-01T00:00:00Z').getTime())
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('script cache loss', () => {
  let own: Awaited<ReturnType<typeof startRedis>>
  let ownClient: Redis
  beforeAll(async () => {
    own = await startRedis()
    ownClient = new Redis(own.url, { lazyConnect: true })
    await ownClient.connect()
  })
  afterAll(async () => {
    ownClient?.disconnect()
    await own?.destroy()
  })

  it('reloads the script after SCRIPT FLUSH and keeps counting', async () => {
    const tiers = createRateTiers({
      store: redisRateStore({ client: ownClient }),
      tiers: { free: { api: '3/1m' } },
    })
    const { sha } = script(scriptSource('sliding-log'))
    expect((await tiers.consume({ key: 'k', tier: 'free', bucket: 'api' })).remaining).toBe(2)
    expect(await own.cli('SCRIPT', 'EXISTS', sha)).toBe('1')
    await own.cli('SCRIPT', 'FLUSH')
    expect(await own.cli('SCRIPT', 'EXISTS', sha)).toBe('0')
    expect((await tiers.consume({ key: 'k', tier: 'free', bucket: 'api' })).remaining).toBe(1)
    expect(await own.cli('SCRIPT', 'EXISTS', sha)).toBe('1')
  })
})
