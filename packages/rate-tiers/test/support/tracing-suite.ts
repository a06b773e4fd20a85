import { randomBytes } from 'node:crypto'
import { recordTraces, type TraceRecorder, trace, tracer } from '@rc/internal'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createRateTiers, type RateStore, rateTiersChannels, UnknownTierError } from '../../src/index'

const names = [rateTiersChannels.decide, 'rc:test:parent']
const tiers = { pro: { api: '3/1m', analysis: '10/1h' } }

/** The decide channel over one store: context, result fields, nesting under a caller, errors. */
export function describeRateTiersTracing(name: string, create: () => RateStore, storeName: string): void {
  describe(`rate-tiers tracing channel (${name})`, () => {
    let rec: TraceRecorder
    beforeEach(() => {
      rec = recordTraces(names)
    })
    afterEach(() => rec.stop())
    const key = () => `loc_${randomBytes(4).toString('hex')}`

    it('consume: tier, operation, key, algorithm, cost; then allowed, limit, remaining, resetMs, store', async () => {
      const limiter = createRateTiers({ store: create(), tiers, algorithm: 'sliding-window' })
      const k = key()
      await limiter.consume({ key: k, tier: 'pro', bucket: 'api', cost: 2 })
      await limiter.consume({ key: k, tier: 'pro', bucket: 'api', cost: 2 })
      const [first, denied] = rec.contexts(rateTiersChannels.decide)
      expect(first).toMatchObject({
        tier: 'pro',
        operation: 'api',
        key: k,
        algorithm: 'sliding-window',
        cost: 2,
        charge: true,
        allowed: true,
        limit: 3,
        remaining: 1,
        store: storeName,
      })
      expect(first!.resetMs).toEqual(expect.any(Number))
      expect(first!.result).toBeUndefined()
      expect(rec.eventsOf(first!)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
      expect(denied).toMatchObject({ allowed: false, remaining: 1, store: storeName })
      limiter.close()
    })

    it('peek and several buckets: charge false, buckets joined as the operation', async () => {
      const limiter = createRateTiers({ store: create(), tiers })
      const k = key()
      await limiter.consume({ key: k, tier: 'pro', buckets: ['api', 'analysis'] })
      await limiter.peek({ key: k, tier: 'pro', bucket: 'api' })
      const [both, peek] = rec.contexts(rateTiersChannels.decide)
      expect(both).toMatchObject({ operation: 'api,analysis', algorithm: 'sliding-log', allowed: true })
      expect(peek).toMatchObject({ operation: 'api', charge: false, remaining: 2 })
      limiter.close()
    })

    it('a decision nests under the traced operation that asked for it; errors are published', async () => {
      const limiter = createRateTiers({ store: create(), tiers })
      const parent = tracer<{ name: string }>('rc:test:parent')
      await trace(parent, { name: 'request' }, async () => {
        await new Promise((r) => setTimeout(r, 1))
        await limiter.consume({ key: key(), tier: 'pro', bucket: 'api' })
      })
      const [decision] = rec.contexts(rateTiersChannels.decide)
      expect(rec.parentOf(decision!)?.channel).toBe('rc:test:parent')

      rec.clear()
      await expect(limiter.consume({ key: key(), tier: 'platinum', bucket: 'api' })).rejects.toBeInstanceOf(
        UnknownTierError,
      )
      const [failed] = rec.contexts(rateTiersChannels.decide)
      expect(failed).toMatchObject({ tier: 'platinum' })
      expect(rec.eventsOf(failed!)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
      expect(failed!.error).toBeInstanceOf(UnknownTierError)
      limiter.close()
    })
  })
}
