import { randomBytes } from 'node:crypto'
import { runScript, luaScript as script } from '@rc/internal'
import { startRedis, TEST_REDIS_URL } from '@rc/test-services'
import fc from 'fast-check'
import Redis from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { resolveTiers } from '../src/core/config'
import { newResults, toDecision } from '../src/core/decision'
import { createRateTiers, memoryRateStore, type RateTiersEvent, type TiersConfig } from '../src/index'
import { redisRateStore } from '../src/redis'
import {
  encodeAdjustment,
  encodeDecisions,
  encodeSingle,
  scriptSource,
  singleSource,
} from '../src/redis/scripts'
import { describeRateStore } from '../src/testing'
import { ALGORITHMS, type Algorithm, type LimitResult } from '../src/types'
import { useSharedRedis } from './support/shared-redis'

const { client, prefix } = useSharedRedis('rt-test')

describeRateStore({ name: 'redis', create: () => redisRateStore({ client, prefix }) })

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

/** A test clock in µs, started at Redis time, that never falls behind real time since its start. */
async function testClock() {
  const [sec, usec] = (await client.time()) as [number, number]
  let clockUs = Number(sec) * 1_000_000 + Number(usec)
  let realUs = performance.now() * 1000
  return {
    /** Moves on by `gapUs`, or by the real time since the last move when that was longer. */
    advance(gapUs: number): number {
      const now = performance.now() * 1000
      clockUs += Math.max(gapUs, Math.ceil(now - realUs))
      realUs = now
      return clockUs
    },
    advanceExactly(gapUs: number): number {
      realUs = performance.now() * 1000
      clockUs += gapUs
      return clockUs
    },
    get us() {
      return clockUs
    },
  }
}

describe('Lua scripts against the memory store, on one clock', () => {
  // Every decision and adjustment, with every kind of limit, must give the same numbers from Redis
  // and from memory: both read a clock the test moves (Redis TIME replaced by the last two ARGV,
  // in TIME's format). The clock starts at Redis time and each step moves it by at least the real
  // time that passed (`advance`): Redis expires keys in real time, so a machine that stalls between
  // two steps must not make Redis drop a key the test clock still counts.
  const onTestClock = (source: string) => {
    const replaced = source.replace("call('TIME')", '{ARGV[#ARGV - 1], ARGV[#ARGV]}')
    expect(replaced).not.toBe(source)
    return script(replaced)
  }
  const tiers: TiersConfig = {
    t: {
      a: '6/150ms',
      b: ['5/300ms', { limit: 9, window: '1s', burst: 4 }],
      p: { limit: 4, window: '200ms', chargeDenied: true, blockFor: { duration: '250ms', factor: 2 } },
      s: ['7/1s', { limit: 3, window: '400ms', shadow: true }],
      c: { concurrency: 2, lease: '300ms' },
    },
  }
  const combos = [['a'], ['b'], ['a', 'b'], ['p'], ['p', 'a'], ['s'], ['s', 'c'], ['c', 'b']]

  type Step = {
    combo: string[]
    cost: number
    charge: boolean
    refund: number
    release: boolean
    gapUs: number
  }
  const step = fc.record({
    combo: fc.constantFrom(...combos),
    cost: fc.integer({ min: 1, max: 4 }),
    charge: fc.boolean(),
    refund: fc.constantFrom(0, 0, 0, 1, 2, -1),
    release: fc.boolean(),
    gapUs: fc.oneof(
      fc.constantFrom(0, 0, 1, 50_000, 100_000, 150_000, 300_000),
      fc.integer({ min: 0, max: 400_000 }),
    ),
  })

  /**
   * Runs the steps on both stores, expecting the same answers at each; returns memory's.
   * `exactGaps`: the clock moves by the steps' gaps only (a case whose numbers are asserted; its
   * keys live far longer than any stall).
   */
  async function sameAnswers(algorithm: Algorithm, steps: readonly Step[], exactGaps = false) {
    const resolved = resolveTiers(tiers, algorithm).get('t')!
    const run = onTestClock(scriptSource(algorithm))
    const key = `eq-${randomBytes(6).toString('hex')}`
    const storageKey = (k: string, name: string) => `${prefix}{${k}}${name}`
    const clock = await testClock()
    let clockUs = clock.us
    const memory = memoryRateStore({ now: () => clockUs / 1000 })
    const answers: LimitResult[][] = []
    let leases = 0
    for (const { combo, cost: wanted, charge, refund, release, gapUs } of steps) {
      clockUs = exactGaps ? clock.advanceExactly(gapUs) : clock.advance(gapUs)
      const time = [String(Math.floor(clockUs / 1_000_000)), String(clockUs % 1_000_000)]
      const limits = combo.flatMap((b) => resolved.get(b)!)
      // createRateTiers rejects a cost above the capacity, so the scripts never see one.
      const cost = Math.min(
        wanted,
        ...limits.filter((l) => !l.concurrency).map((l) => (algorithm === 'gcra' ? l.burst : l.limit)),
      )
      const lease = limits.some((l) => l.concurrency) ? `lease-${++leases}` : ''
      const call = { algorithm, key, limits, cost, charge, lease }
      const { keys, args } = encodeDecisions([call], storageKey)
      const reply = (await runScript(client, run, keys, [...args, ...time])) as number[]
      const fromMemory = newResults(limits)
      memory.decideInto!(call, fromMemory)
      const fromRedis = newResults(limits)
      for (let i = 0; i < limits.length; i++) {
        const [allowed, remaining, resetMs, retryAfterMs, nextMs] = reply.slice(1 + 5 * i, 6 + 5 * i)
        Object.assign(fromRedis[i]!, {
          allowed: allowed === 1,
          remaining,
          resetMs,
          retryAfterMs,
          nextMs,
        })
      }
      expect(fromRedis).toEqual(fromMemory)
      expect(reply[0]).toBe(clockUs)
      answers.push(fromMemory)
      const admitted = charge && toDecision('t', limits, fromMemory, false).allowed
      if (!admitted || (refund === 0 && !release)) continue
      const adjustment = {
        algorithm,
        key,
        limits: release ? limits : limits.filter((l) => !l.concurrency),
        units: refund,
        at: clockUs / 1000,
        charged: cost,
        lease: release ? lease : '',
      }
      const encoded = encodeAdjustment(adjustment, storageKey)
      await runScript(client, run, encoded.keys, [...encoded.args, ...time])
      memory.adjust!(adjustment)
    }
    return answers
  }

  it.each(ALGORITHMS)('%s: the same answers, step by step', async (algorithm) => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) =>
        sameAnswers(algorithm, steps).then(() => undefined),
      ),
      { numRuns: 25 },
    )
  })

  it('gcra: after a refund both stores keep the same level, so a later reset is the same (900 ms)', async () => {
    // Found by the property above (seed 1617310916, path 4:6:7:16). The refund takes s:1s from
    // 4.65 to 3.6500000000000004 units; the script stores 9 decimals (3.650000000) and memory kept
    // the residue, so 50 ms and 3 units later memory said ceil(6.300000000000001 × 1000/7) = 901 ms
    // where 6.3 units drain in exactly 900 ms.
    const call = { combo: ['s', 'c'], cost: 3, charge: true, refund: 1, release: false }
    const answers = await sameAnswers(
      'gcra',
      [
        { ...call, gapUs: 0 },
        { ...call, gapUs: 50_000 },
        { ...call, combo: ['s'], refund: 0, gapUs: 50_000 },
      ],
      true,
    )
    const { name, allowed, remaining, resetMs } = answers[2]![0]!
    expect({ name, allowed, remaining, resetMs }).toEqual({
      name: 's:1s',
      allowed: true,
      remaining: 0,
      resetMs: 900,
    })
  })
})

describe('one-limit scripts against the general script', () => {
  // A key may be decided by either (alone, or in a batch or with other limits), so both must store
  // the same values and answer the same, on the same test clock as above.
  const onTestClock = (source: string) => {
    const replaced = source.replace("call('TIME')", '{ARGV[#ARGV - 1], ARGV[#ARGV]}')
    expect(replaced).not.toBe(source)
    return script(replaced)
  }
  const stored = async (key: string, algorithm: string) =>
    algorithm === 'sliding-log' ? client.lrange(key, 0, -1) : client.get(key)

  it.each(ALGORITHMS)('%s: the same calls get the same answers and stored values', async (algorithm) => {
    const single = onTestClock(singleSource(algorithm))
    const general = onTestClock(scriptSource(algorithm))
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            cost: fc.integer({ min: 1, max: 4 }),
            charge: fc.boolean(),
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
          const names = { a: ':single', b: ':general' }
          const storageKey = (k: string, name: string) => `${prefix}{${k}}${name}`
          const clock = await testClock()
          const capacity = algorithm === 'gcra' ? burst : limit
          const limitOf = (name: string) => ({
            name,
            limit: limit!,
            windowMs: windowMs!,
            burst: burst!,
            concurrency: false,
            shadow: false,
            chargeDenied: false,
            block: undefined,
          })
          for (const { cost: wanted, charge, gapUs } of calls) {
            const cost = Math.min(wanted, capacity!)
            const clockUs = clock.advance(gapUs)
            const time = [String(Math.floor(clockUs / 1_000_000)), String(clockUs % 1_000_000)]
            const one = encodeSingle(
              { algorithm, key: id, limits: [limitOf(names.a)], cost, charge, lease: '' },
              storageKey,
            )
            const many = encodeDecisions(
              [{ algorithm, key: id, limits: [limitOf(names.b)], cost, charge, lease: '' }],
              storageKey,
            )
            const [x, y] = (await Promise.all([
              runScript(client, single, one.keys, [...one.args, ...time]),
              runScript(client, general, many.keys, [...many.args, ...time]),
            ])) as [number[], number[]]
            expect(x).toEqual(y)
            expect(await stored(storageKey(id, names.a), algorithm)).toEqual(
              await stored(storageKey(id, names.b), algorithm),
            )
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
    // One limit runs the one-limit script, two run the general script.
    const one = { key: 'k', tier: 'free', bucket: 'api' }
    const two = { key: 'k', tier: 'free', buckets: ['api', 'analysis'] }
    const { sha } = script(singleSource('sliding-log'))
    const { sha: generalSha } = script(scriptSource('sliding-log'))
    expect((await tiers.consume(one)).remaining).toBe(2)
    expect((await tiers.consume(two)).remaining).toBe(1)
    expect(await own.cli('SCRIPT', 'EXISTS', sha, generalSha)).toBe('1\n1')
    await own.cli('SCRIPT', 'FLUSH')
    expect(await own.cli('SCRIPT', 'EXISTS', sha, generalSha)).toBe('0\n0')
    expect((await tiers.consume(one)).remaining).toBe(0)
    expect(await own.cli('SCRIPT', 'EXISTS', sha)).toBe('1')
    expect((await tiers.consume(two)).allowed).toBe(false)
    expect(await own.cli('SCRIPT', 'EXISTS', generalSha)).toBe('1')
  })
})
