import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Algorithm, createRateTiers, memoryRateStore } from '../src/index'
import { ALGORITHMS } from '../src/types'

/** A limiter on a memory store whose clock the test moves. */
function limiterAt(
  algorithm: Algorithm,
  api: string | { limit: number; window: number; burst?: number },
  other?: string,
) {
  const clock = { now: 1_700_000_000_000 }
  const limiter = createRateTiers({
    algorithm,
    store: memoryRateStore({ now: () => clock.now }),
    tiers: { t: other ? { api, other } : { api } },
    blockCacheSize: 0,
  })
  return { clock, limiter }
}

const steps = (maxGap: number, maxCost: number) =>
  fc.array(
    fc.record({
      // Round gaps land exactly on window edges, where off-by-one bugs live.
      gap: fc.oneof(
        fc.constant(0),
        fc.constantFrom(50, 100, 250, 500, 1000),
        fc.integer({ min: 0, max: maxGap }),
      ),
      cost: fc.integer({ min: 1, max: maxCost }),
    }),
    { minLength: 1, maxLength: 120 },
  )

const config = fc.record({
  limit: fc.integer({ min: 1, max: 12 }),
  window: fc.oneof(fc.constantFrom(100, 250, 1000), fc.integer({ min: 50, max: 2000 })),
})

interface Admitted {
  at: number
  cost: number
}
const sumWhere = (log: Admitted[], keep: (a: Admitted) => boolean) =>
  log.reduce((sum, a) => (keep(a) ? sum + a.cost : sum), 0)

describe('algorithm guarantees (memory store, injected clock)', () => {
  it('sliding-log admits a call exactly when the rolling window has room for it', async () => {
    await fc.assert(
      fc.asyncProperty(config, steps(1500, 12), async ({ limit, window }, script) => {
        const { clock, limiter } = limiterAt('sliding-log', `${limit}/${window}ms`)
        const log: Admitted[] = []
        for (const { gap, cost } of script) {
          clock.now += gap
          if (cost > limit) continue
          const used = sumWhere(log, (a) => a.at > clock.now - window)
          const d = await limiter.consume({ key: 'k', tier: 't', bucket: 'api', cost })
          expect(d.allowed).toBe(used + cost <= limit)
          if (d.allowed) {
            log.push({ at: clock.now, cost })
            expect(d.remaining).toBe(limit - used - cost)
          } else {
            // Waiting retryAfterMs is enough for this very call.
            expect(d.retryAfterMs).toBeGreaterThan(0)
            expect(d.retryAfterMs).toBeLessThanOrEqual(window)
            const freed = sumWhere(log, (a) => a.at > clock.now + d.retryAfterMs - window)
            expect(freed + cost).toBeLessThanOrEqual(limit)
          }
        }
      }),
      { numRuns: 150 },
    )
  })

  it('fixed-window admits a call exactly when its aligned window has room for it', async () => {
    await fc.assert(
      fc.asyncProperty(config, steps(1500, 12), async ({ limit, window }, script) => {
        const { clock, limiter } = limiterAt('fixed-window', `${limit}/${window}ms`)
        const log: Admitted[] = []
        for (const { gap, cost } of script) {
          clock.now += gap
          if (cost > limit) continue
          const start = Math.floor(clock.now / window) * window
          const used = sumWhere(log, (a) => a.at >= start)
          const d = await limiter.consume({ key: 'k', tier: 't', bucket: 'api', cost })
          expect(d.allowed).toBe(used + cost <= limit)
          if (d.allowed) log.push({ at: clock.now, cost })
          else expect(d.retryAfterMs).toBe(start + window - clock.now)
        }
      }),
      { numRuns: 150 },
    )
  })

  it('sliding-window: at most limit per aligned window, under 2 x limit in any rolling window', async () => {
    await fc.assert(
      fc.asyncProperty(config, steps(1500, 12), async ({ limit, window }, script) => {
        const { clock, limiter } = limiterAt('sliding-window', `${limit}/${window}ms`)
        const log: Admitted[] = []
        for (const { gap, cost } of script) {
          clock.now += gap
          if (cost > limit) continue
          const start = Math.floor(clock.now / window) * window
          const cur = sumWhere(log, (a) => a.at >= start)
          const prev = sumWhere(log, (a) => a.at >= start - window && a.at < start)
          const estimate = (prev * (window - (clock.now - start))) / window + cur
          const d = await limiter.consume({ key: 'k', tier: 't', bucket: 'api', cost })
          expect(d.allowed).toBe(estimate + cost <= limit)
          if (d.allowed) log.push({ at: clock.now, cost })
        }
        for (const a of log) {
          const start = Math.floor(a.at / window) * window
          expect(sumWhere(log, (b) => b.at >= start && b.at < start + window)).toBeLessThanOrEqual(limit)
          expect(sumWhere(log, (b) => b.at > a.at - window && b.at <= a.at)).toBeLessThan(2 * limit)
        }
      }),
      { numRuns: 150 },
    )
  })

  it('gcra: in any span d, at most burst + d x limit / window units, and idle refills the burst', async () => {
    await fc.assert(
      fc.asyncProperty(
        config,
        fc.integer({ min: 1, max: 12 }),
        steps(400, 12),
        async ({ limit, window }, burst, script) => {
          const { clock, limiter } = limiterAt('gcra', { limit, window, burst })
          const log: Admitted[] = []
          for (const { gap, cost } of script) {
            clock.now += gap
            if (cost > burst) continue
            const d = await limiter.consume({ key: 'k', tier: 't', bucket: 'api', cost })
            if (d.allowed) log.push({ at: clock.now, cost })
            else expect(d.retryAfterMs).toBeGreaterThan(0)
          }
          const interval = window / limit
          for (const a of log) {
            for (const b of log) {
              if (b.at < a.at) continue
              const admitted = sumWhere(log, (c) => c.at >= a.at && c.at <= b.at)
              expect(admitted).toBeLessThanOrEqual(burst + (b.at - a.at) / interval + 1e-6)
            }
          }
          clock.now += Math.ceil(burst * interval)
          expect((await limiter.consume({ key: 'k', tier: 't', bucket: 'api', cost: burst })).allowed).toBe(
            true,
          )
        },
      ),
      { numRuns: 150 },
    )
  })

  it.each(ALGORITHMS)(
    '%s: two buckets in one call decide like each alone and charge all or nothing',
    async (algorithm) => {
      await fc.assert(
        fc.asyncProperty(
          steps(700, 4),
          fc.array(fc.constantFrom('api', 'other', 'both'), { minLength: 120, maxLength: 120 }),
          async (script, which) => {
            const joint = limiterAt(algorithm, '6/1000ms', '9/3000ms')
            const api = limiterAt(algorithm, '6/1000ms')
            const other = limiterAt(algorithm, '9/3000ms')
            for (let i = 0; i < script.length; i++) {
              const { gap, cost } = script[i]!
              for (const l of [joint, api, other]) l.clock.now += gap
              const target = which[i]!
              const alone = (l: typeof api, charge: boolean) =>
                charge
                  ? l.limiter.consume({ key: 'k', tier: 't', bucket: 'api', cost })
                  : l.limiter.peek({ key: 'k', tier: 't', bucket: 'api', cost })
              if (target === 'both') {
                const fitsApi = (await alone(api, false)).allowed
                const fitsOther = (await alone(other, false)).allowed
                const d = await joint.limiter.consume({
                  key: 'k',
                  tier: 't',
                  buckets: ['api', 'other'],
                  cost,
                })
                expect(d.allowed).toBe(fitsApi && fitsOther)
                if (d.allowed) {
                  await alone(api, true)
                  await alone(other, true)
                }
              } else {
                const d = await joint.limiter.consume({ key: 'k', tier: 't', bucket: target, cost })
                const single = await alone(target === 'api' ? api : other, true)
                expect(d.allowed).toBe(single.allowed)
                expect(d.remaining).toBe(single.remaining)
              }
            }
          },
        ),
        { numRuns: 60 },
      )
    },
  )
})
