import fc from 'fast-check'
import { type BareItem, type Item, type List, parseList, serializeList, Token } from 'structured-headers'
import { describe, expect, it } from 'vitest'
import {
  type Algorithm,
  createRateTiers,
  memoryRateStore,
  rateLimitHeaders,
  type TiersConfig,
} from '../src/index'
import { ALGORITHMS } from '../src/types'

/*
 * The fields checked with structured-headers (an RFC 9651 / 8941 parser) against
 * draft-ietf-httpapi-ratelimit-headers-10: first the draft's own examples, to show the checks below
 * accept what the draft writes; then ours, for every algorithm and kind of limit.
 */

const isInteger = (v: BareItem | undefined) => typeof v === 'number' && Number.isInteger(v)

function items(field: string): Item[] {
  const list: List = parseList(field)
  // Lists of Items, never Inner Lists (3 and 4).
  for (const member of list) expect(Array.isArray(member[0])).toBe(false)
  return list as Item[]
}

/** 3.1: a String naming the policy; q a required non-negative Integer; w a positive Integer; qu a String. */
function checkPolicy(field: string): Map<string, Map<string, BareItem>> {
  const byName = new Map<string, Map<string, BareItem>>()
  for (const [name, params] of items(field)) {
    expect(typeof name).toBe('string')
    expect(isInteger(params.get('q'))).toBe(true)
    expect(params.get('q') as number).toBeGreaterThanOrEqual(0)
    if (params.has('w')) {
      expect(isInteger(params.get('w'))).toBe(true)
      expect(params.get('w') as number).toBeGreaterThan(0)
    }
    if (params.has('qu')) expect(typeof params.get('qu')).toBe('string')
    byName.set(name as string, params)
  }
  return byName
}

/** 4.1: a String naming the policy; r a required non-negative Integer; t a non-negative Integer. */
function checkServiceLimits(field: string): Map<string, Map<string, BareItem>> {
  const byName = new Map<string, Map<string, BareItem>>()
  for (const [name, params] of items(field)) {
    expect(typeof name).toBe('string')
    expect(isInteger(params.get('r'))).toBe(true)
    expect(params.get('r') as number).toBeGreaterThanOrEqual(0)
    if (params.has('t')) {
      expect(isInteger(params.get('t'))).toBe(true)
      expect(params.get('t') as number).toBeGreaterThanOrEqual(0)
    }
    byName.set(name as string, params)
  }
  return byName
}

/** Our fields are canonical: the parser's serializer writes them back byte for byte. */
function canonical(field: string): void {
  expect(serializeList(parseList(field))).toBe(field)
}

describe("the draft's own examples pass these checks", () => {
  it.each([
    '"burst";q=100;w=60,"daily";q=1000;w=86400',
    '"default";q=100;w=10',
    '"permin";q=50;w=60,"perhr";q=1000;w=3600',
    '"peruser";q=100;w=60;pk=:cHsdsRa894==:',
    '"peruser";q=65535;qu="content-bytes";w=10;pk=:sdfjLJUOUH==:',
    '"hour";q=1000;w=3600, "day";q=5000;w=86400',
  ])('RateLimit-Policy: %s', (field) => {
    expect(checkPolicy(field).size).toBeGreaterThan(0)
  })

  it.each([
    '"default";r=50;t=30',
    '"default";r=999;pk=:dHJpYWwxMjEzMjM=:',
    '"default";r=300000000;t=60;pk=:QXBwLTk5OQ==:',
    '"problemPolicy";r=0;t=10',
    '"dayLimit";r=100;t=36000',
  ])('RateLimit: %s', (field) => {
    expect(checkServiceLimits(field).size).toBeGreaterThan(0)
  })

  it('and they fail a field that breaks the draft', () => {
    // A Token where a String is required, a missing r, a fractional t.
    expect(() => checkPolicy('burst;q=100;w=60')).toThrow()
    expect(parseList('burst;q=100')[0]![0]).toBeInstanceOf(Token)
    expect(() => checkServiceLimits('"default";t=30')).toThrow()
    expect(() => checkServiceLimits('"default";r=1;t=1.5')).toThrow()
  })
})

// A window start: fixed and sliding windows are aligned to the epoch.
const START = 1_700_006_400_000

function at(algorithm: Algorithm, tiers: TiersConfig, startMs = START) {
  const clock = { now: startMs }
  const limiter = createRateTiers({
    algorithm,
    tiers,
    store: memoryRateStore({ now: () => clock.now }),
    blockCacheSize: 0,
  })
  return { clock, limiter }
}

describe("the draft's scenarios, reproduced", () => {
  it('B.1.3: 100 per minute, 40 used after 2 s: "basic";r=60;t=58', async () => {
    const { clock, limiter } = at('fixed-window', { t: { basic: '100/1m' } })
    clock.now += 2000
    const d = await limiter.consume({ key: 'k', tier: 't', bucket: 'basic', cost: 40 })
    const h = rateLimitHeaders(d)
    expect(h['RateLimit-Policy']).toBe('"basic";q=100;w=60')
    expect(h.RateLimit).toBe('"basic";r=60;t=58')
  })

  it('B.2.1: 99 left for the next 50 seconds: "fixedwindow";r=99;t=50', async () => {
    const { clock, limiter } = at('fixed-window', { t: { fixedwindow: '100/1m' } })
    clock.now += 10_000
    const h = rateLimitHeaders(await limiter.consume({ key: 'k', tier: 't', bucket: 'fixedwindow' }))
    expect(h.RateLimit).toBe('"fixedwindow";r=99;t=50')
  })

  it('B.1.2: 4900 of 5000 a day used in 14 hours: "dayLimit";r=100;t=36000', async () => {
    const day = 86_400_000
    const { clock, limiter } = at(
      'fixed-window',
      { t: { dayLimit: '5000/1d' } },
      Math.ceil(START / day) * day,
    )
    clock.now += 14 * 3_600_000
    const h = rateLimitHeaders(await limiter.consume({ key: 'k', tier: 't', bucket: 'dayLimit', cost: 4900 }))
    expect(h.RateLimit).toBe('"dayLimit";r=100;t=36000')
  })
})

describe('t is the seconds until more quota is available (4.1.2), Retry-After never earlier (6)', () => {
  // issue 14's cases: 100 / minute, one call, then the rest 30 s later and one more.
  const denial = async (algorithm: Algorithm) => {
    const { clock, limiter } = at(algorithm, { t: { api: '100/1m' } }, START + 30_000)
    await limiter.consume({ key: 'k', tier: 't', bucket: 'api' })
    clock.now += algorithm === 'sliding-log' ? 30_000 : 0
    await limiter.consume({ key: 'k', tier: 't', bucket: 'api', cost: 99 })
    return rateLimitHeaders(await limiter.consume({ key: 'k', tier: 't', bucket: 'api' }))
  }

  it('sliding-log: the first call leaves the window in 30 s (was t=60)', async () => {
    const h = await denial('sliding-log')
    expect(h.RateLimit).toBe('"api";r=0;t=30')
    expect(h['Retry-After']).toBe('30')
    expect(h['X-RateLimit-Reset']).toBe('30')
  })

  it('gcra: one unit drains every 0.6 s (was t=60)', async () => {
    const h = await denial('gcra')
    expect(h.RateLimit).toBe('"api";r=0;t=1')
    expect(h['Retry-After']).toBe('1')
    expect(h['X-RateLimit-Reset']).toBe('1')
  })

  it('sliding-window: this window ends in 30 s, then the first unit frees 0.6 s later (was t=90)', async () => {
    const h = await denial('sliding-window')
    expect(h.RateLimit).toBe('"api";r=0;t=31')
    expect(h['Retry-After']).toBe('31')
  })

  it('fixed-window: the window ends in 30 s', async () => {
    const h = await denial('fixed-window')
    expect(h.RateLimit).toBe('"api";r=0;t=30')
    expect(h['Retry-After']).toBe('30')
  })

  it.each(ALGORITHMS)(
    '%s: more quota exactly nextMs later, not a millisecond sooner; every field well-formed',
    async (algorithm) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1500 })),
              cost: fc.integer({ min: 1, max: 4 }),
              buckets: fc.constantFrom(['api'], ['other'], ['api', 'other']),
            }),
            { minLength: 1, maxLength: 50 },
          ),
          async (steps) => {
            const tiers = { t: { api: '5/1s', other: ['4/700ms', '9/3s'] } }
            const { clock, limiter } = at(algorithm, tiers, START + 137)
            for (const { gap, cost, buckets } of steps) {
              clock.now += gap
              const d = await limiter.consume({ key: 'k', tier: 't', buckets, cost })
              const h = rateLimitHeaders(d)
              const policies = checkPolicy(h['RateLimit-Policy']!)
              const limits = checkServiceLimits(h.RateLimit!)
              canonical(h['RateLimit-Policy']!)
              canonical(h.RateLimit!)
              expect([...limits.keys()]).toEqual([...policies.keys()])
              if (!d.allowed) {
                const retryAfter = Number(h['Retry-After'])
                expect(h['X-RateLimit-Reset']).toBe(h['Retry-After'])
                for (const l of d.limits) {
                  if (!l.allowed)
                    expect(retryAfter).toBeGreaterThanOrEqual(limits.get(l.name)!.get('t') as number)
                }
              }
              // Probe each limit alone at nextMs - 1 and nextMs on a copy of the clock's timeline.
              for (const l of d.limits) {
                if (l.nextMs === 0) continue
                const alone = { key: 'k', tier: 't', bucket: l.bucket }
                const index = d.limits.filter((m) => m.bucket === l.bucket).indexOf(l)
                const saved = clock.now
                clock.now = saved + l.nextMs - 1
                const before = (await limiter.peek(alone)).limits[index]!.remaining
                clock.now = saved + l.nextMs
                const after = (await limiter.peek(alone)).limits[index]!.remaining
                clock.now = saved
                expect(before).toBeLessThanOrEqual(l.remaining)
                expect(after).toBeGreaterThan(l.remaining)
              }
            }
          },
        ),
        { numRuns: 60 },
      )
    },
  )
})

describe('our fields for every kind of limit', () => {
  it('a concurrency limit says its unit and has no window; shadow limits stay out unless asked for', async () => {
    const { limiter } = at('gcra', {
      t: { api: ['10/1m', { limit: 2, window: '1h', shadow: true }], inflight: { concurrency: 3 } },
    })
    const d = await limiter.consume({ key: 'k', tier: 't', buckets: ['api', 'inflight'] })
    const h = rateLimitHeaders(d)
    expect(h['RateLimit-Policy']).toBe('"api:1m";q=10;w=60, "inflight";q=3;qu="concurrent-requests"')
    expect(h.RateLimit).toBe('"api:1m";r=9;t=6, "inflight";r=2')
    checkPolicy(h['RateLimit-Policy']!)
    checkServiceLimits(h.RateLimit!)
    const all = rateLimitHeaders(d, { shadow: true })
    expect(checkPolicy(all['RateLimit-Policy']!).get('api:1h')?.get('w')).toBe(3600)
    expect(checkServiceLimits(all.RateLimit!).get('api:1h')?.get('r')).toBe(1)
  })

  it('names that need escaping stay valid Strings', async () => {
    const { limiter } = at('fixed-window', { t: { 'a.b-c_d': '3/1s' } })
    const h = rateLimitHeaders(await limiter.consume({ key: 'k', tier: 't', bucket: 'a.b-c_d' }))
    expect([...checkServiceLimits(h.RateLimit!).keys()]).toEqual(['a.b-c_d'])
  })
})
