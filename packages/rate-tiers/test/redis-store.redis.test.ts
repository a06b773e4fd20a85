import { randomBytes } from 'node:crypto'
import { runScript, luaScript as script } from '@rc/internal'
import { startRedis, TEST_REDIS_URL } from '@rc/test-services'
import fc from 'fast-check'
import Redis from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createRateTiers, type RateTiersEvent } from '../src/index'
import { redisRateStore } from '../src/redis'
import { scriptSource, singleScriptSource } from '../src/redis/scripts'
import { ALGORITHMS } from '../src/types'
import { describeRateStore } from './contract'
import { useSharedRedis } from './support/shared-redis'

const { client, prefix } = useSharedRedis('rt-test')

describeRateStore('redis', () => redisRateStore({ client, prefix }))

describe('Lua scripts against the memory implementation', () => {
  it.each(ALGORITHMS)(
    '%s: the same calls get the same decisions on Redis and in memory',
    async (algorithm) => {
      // Day-long windows: the few milliseconds a run takes cannot change a decision.
      const tiers = { t: { a: '9/1d', b: ['6/1d', '14/2d'] } }
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              buckets: fc.constantFrom(['a'], ['b'], ['a', 'b']),
              cost: fc.integer({ min: 1, max: 6 }),
            }),
            {
              minLength: 1,
              maxLength: 25,
            },
          ),
          async (calls) => {
            const key = `model-${randomBytes(6).toString('hex')}`
            const onRedis = createRateTiers({
              store: redisRateStore({ client, prefix }),
              tiers,
              algorithm,
              blockCacheSize: 0,
            })
            const inMemory = createRateTiers({ tiers, algorithm, blockCacheSize: 0 })
            for (const { buckets, cost } of calls) {
              const [r, m] = await Promise.all([
                onRedis.consume({ key, tier: 't', buckets, cost }),
                inMemory.consume({ key, tier: 't', buckets, cost }),
              ])
              expect(r.limits.map((l) => [l.policy, l.allowed, l.remaining])).toEqual(
                m.limits.map((l) => [l.policy, l.allowed, l.remaining]),
              )
            }
          },
        ),
        { numRuns: 20 },
      )
    },
  )
})

describe('single-limit scripts against the batch scripts', () => {
  // A key may be decided by either (one limit alone, or in a batch or with other limits), so both
  // must store the same values and answer the same. Redis TIME moves between two scripts, so here
  // both read a clock the test passes in (the last two ARGV, in TIME's format): every answer and
  // every stored value must then be identical. The clock starts at Redis time and only moves on, so
  // key expiry (set from it) never drops a key early.
  const onTestClock = (source: string) => {
    const replaced = source.replace("redis.call('TIME')", '{ARGV[#ARGV - 1], ARGV[#ARGV]}')
    expect(replaced).not.toBe(source)
    return script(replaced)
  }
  const stored = async (key: string, algorithm: string) =>
    algorithm === 'sliding-log' ? client.lrange(key, 0, -1) : client.get(key)

  it.each(ALGORITHMS)('%s: the same calls get the same answers from both', async (algorithm) => {
    const single = onTestClock(singleScriptSource(algorithm))
    const batch = onTestClock(scriptSource(algorithm))
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            cost: fc.integer({ min: 1, max: 4 }),
            charge: fc.boolean(),
            // Microseconds; round gaps land on window edges.
            gapUs: fc.oneof(
              fc.constantFrom(0, 0, 1, 40_000, 50_000, 150_000, 300_000),
              fc.integer({ min: 0, max: 400_000 }),
            ),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.constantFrom([6, 150, 6], [5, 300, 2], [3, 50, 3], [70, 100_000, 9]),
        async (calls, [limit, windowMs, burst]) => {
          const id = randomBytes(6).toString('hex')
          const [a, b] = [`${prefix}{${id}}:single`, `${prefix}{${id}}:batch`]
          const [sec, usec] = (await client.time()) as [number, number]
          let clockUs = Number(sec) * 1_000_000 + Number(usec)
          // createRateTiers rejects a cost above the capacity, so the scripts never see one.
          const capacity = algorithm === 'gcra' ? burst : limit
          for (const { cost: wanted, charge, gapUs } of calls) {
            const cost = Math.min(wanted, capacity)
            clockUs += gapUs
            const time = [String(Math.floor(clockUs / 1_000_000)), String(clockUs % 1_000_000)]
            const flag = charge ? '1' : '0'
            const [one, many] = (await Promise.all([
              runScript(client, single, [a], [flag, cost, limit, windowMs, burst, ...time]),
              runScript(client, batch, [b], [1, flag, cost, 1, limit, windowMs, burst, ...time]),
            ])) as [number[], number[]]
            expect(one).toEqual(many)
            expect(await stored(a, algorithm)).toEqual(await stored(b, algorithm))
          }
        },
      ),
      { numRuns: 15 },
    )
  })
})

describe('redis store specifics', () => {
  it.each([
    ['still connecting', {}],
    ['lazyConnect, never connected', { lazyConnect: true }],
  ])('decides on Redis with a client that is %s, without falling back', async (_, options) => {
    const fresh = new Redis(TEST_REDIS_URL, options)
    try {
      const events: RateTiersEvent[] = []
      const tiers = createRateTiers({
        store: redisRateStore({ client: fresh, prefix }),
        tiers: { free: { api: '5/1m' } },
        onEvent: (e) => events.push(e),
      })
      const key = `fresh-${randomBytes(4).toString('hex')}`
      expect((await tiers.consume({ key, tier: 'free', bucket: 'api' })).remaining).toBe(4)
      expect(events).toEqual([])
      expect(await client.llen(`${prefix}{${key}}:api:60000:sl`)).toBe(1)
    } finally {
      fresh.disconnect()
    }
  })

  it('decides calls made in the same tick one by one, each atomic, whatever their keys and algorithms', async () => {
    const store = redisRateStore({ client, prefix })
    const tiers = { free: { api: '25/1m', analysis: '7/1m' } }
    const log = createRateTiers({ store, tiers })
    const gcra = createRateTiers({ store, tiers, algorithm: 'gcra' })
    const key = `tick-${randomBytes(4).toString('hex')}`
    const calls = [
      ...Array.from({ length: 40 }, () => log.consume({ key, tier: 'free', bucket: 'api' })),
      ...Array.from({ length: 10 }, () => log.consume({ key, tier: 'free', buckets: ['api', 'analysis'] })),
      ...Array.from({ length: 12 }, () => gcra.consume({ key, tier: 'free', bucket: 'analysis' })),
    ]
    const decisions = await Promise.all(calls)
    const single = decisions.slice(0, 40)
    expect(single.filter((d) => d.allowed)).toHaveLength(25)
    expect(single.filter((d) => d.allowed).map((d) => d.remaining)).toEqual(
      Array.from({ length: 25 }, (_, i) => 24 - i),
    )
    // api is exhausted by the first 25, so every two-bucket call is denied and charges nothing.
    expect(decisions.slice(40, 50).every((d) => !d.allowed && d.bucket === 'api')).toBe(true)
    expect((await log.peek({ key, tier: 'free', bucket: 'analysis' })).remaining).toBe(7)
    expect(decisions.slice(50).filter((d) => d.allowed)).toHaveLength(7)
  })

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

  it('reloads the scripts after SCRIPT FLUSH and keeps counting', async () => {
    const tiers = createRateTiers({
      store: redisRateStore({ client: ownClient }),
      tiers: { free: { api: '3/1m', analysis: '5/1h' } },
    })
    // One limit runs the single-limit script, two run the batch script.
    const one = { key: 'k', tier: 'free', bucket: 'api' }
    const two = { key: 'k', tier: 'free', buckets: ['api', 'analysis'] }
    const { sha } = script(singleScriptSource('sliding-log'))
    const { sha: batchSha } = script(scriptSource('sliding-log'))
    expect((await tiers.consume(one)).remaining).toBe(2)
    expect((await tiers.consume(two)).remaining).toBe(1)
    expect(await own.cli('SCRIPT', 'EXISTS', sha, batchSha)).toBe('1\n1')
    await own.cli('SCRIPT', 'FLUSH')
    expect(await own.cli('SCRIPT', 'EXISTS', sha, batchSha)).toBe('0\n0')
    expect((await tiers.consume(one)).remaining).toBe(0)
    expect(await own.cli('SCRIPT', 'EXISTS', sha)).toBe('1')
    expect((await tiers.consume(two)).allowed).toBe(false)
    expect(await own.cli('SCRIPT', 'EXISTS', batchSha)).toBe('1')
  })
})
