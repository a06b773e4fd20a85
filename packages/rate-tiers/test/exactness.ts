import { randomBytes } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createRateTiers } from '../src/index'
import { redisRateStore } from '../src/redis'
import { runWorkers } from './fixtures/run-workers'
import type { WorkerConfig } from './fixtures/worker'

const PROCESSES = 4
const CALLERS = 50
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)

/**
 * 4 processes x 50 concurrent callers on one key with sliding-log. `target` says how workers reach
 * Redis; `client` is the test's own connection for reading the result back.
 */
export function describeExactness(
  label: string,
  getTarget: () => Pick<WorkerConfig, 'url' | 'cluster'>,
  getClient: () => Redis | Cluster,
): void {
  describe(`sliding-log exactness across processes (${label})`, () => {
    const prefix = `rt-exact:${randomBytes(4).toString('hex')}:`
    const used: { key: string; tiers: WorkerConfig['tiers'] }[] = []
    afterAll(async () => {
      for (const { key, tiers } of used) {
        await createRateTiers({ store: redisRateStore({ client: getClient(), prefix }), tiers }).reset({
          key,
        })
      }
    })
    const base = (over: Partial<WorkerConfig>): WorkerConfig => {
      const config: WorkerConfig = {
        ...getTarget(),
        prefix,
        key: `hot-${randomBytes(4).toString('hex')}`,
        algorithm: 'sliding-log',
        tiers: { pro: { api: '100/1m' } },
        callers: CALLERS,
        maxCost: 1,
        buckets: ['api'],
        joint: 0,
        ...over,
      }
      used.push({ key: config.key, tiers: config.tiers })
      return config
    }

    it('admits exactly 100 of 1000 concurrent calls on a 100 / minute limit', async () => {
      const tallies = await runWorkers(PROCESSES, base({ attempts: 5 }))
      expect(sum(tallies.map((t) => t.errors))).toBe(0)
      expect(sum(tallies.map((t) => t.admitted))).toBe(100)
      expect(sum(tallies.map((t) => t.denied))).toBe(900)
    })

    it('admits exactly 100 more once the first 100 leave the window, and none early', async () => {
      // 100 / 2 s hammered for 3 s: the first 100 leave the window at ~2 s and free exactly 100
      // slots; those later admissions stay in the window until ~4 s, past the end of the run.
      const tallies = await runWorkers(
        PROCESSES,
        base({ tiers: { pro: { api: '100/2s' } }, durationMs: 3000 }),
      )
      expect(sum(tallies.map((t) => t.errors))).toBe(0)
      expect(sum(tallies.map((t) => t.admitted))).toBe(200)
    })

    it('never puts a bucket over its limit and never charges a denied call, with random costs on two buckets', async () => {
      const tiers = { pro: { analysis: '60/1m', api: '150/1h' } }
      const config = base({ tiers, attempts: 6, maxCost: 5, buckets: ['analysis', 'api'], joint: 0.6 })
      const tallies = await runWorkers(PROCESSES, config)
      expect(sum(tallies.map((t) => t.errors))).toBe(0)
      const joint = sum(tallies.map((t) => t.jointCost))
      const apiOnly = sum(tallies.map((t) => t.lastOnlyCost))
      expect(joint).toBeLessThanOrEqual(60)
      expect(joint + apiOnly).toBeLessThanOrEqual(150)
      // What the store holds is exactly what callers were told was admitted.
      const reader = createRateTiers({ store: redisRateStore({ client: getClient(), prefix }), tiers })
      const peek = await reader.peek({ key: config.key, tier: 'pro', buckets: ['analysis', 'api'] })
      expect(peek.limits.map((l) => l.remaining)).toEqual([60 - joint, 150 - joint - apiOnly])
      expect(sum(tallies.map((t) => t.denied))).toBeGreaterThan(0)
    })
  })
}
