import { describe, expect, it } from 'vitest'
import {
  createRateTiers,
  RateTiersError,
  type TiersConfig,
  UnknownBucketError,
  UnknownTierError,
} from '../src/index'

const tiers = {
  free: { api: '20/1m', analysis: '10/1h' },
  pro: { api: '100/1m', analysis: '100/1h' },
  enterprise: { api: '500/1m', analysis: '1000/1h' },
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return error instanceof RateTiersError ? error.code : 'not a RateTiersError'
  }
  return undefined
}

async function rejection(promise: Promise<unknown>): Promise<RateTiersError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(RateTiersError)
  return error as RateTiersError
}

describe('tier config validation', () => {
  it.each<[string, unknown]>([
    ['no tiers', {}],
    ['a limit without a window', { free: { api: '20' } }],
    ['a zero limit', { free: { api: '0/1m' } }],
    ['a negative object limit', { free: { api: { limit: -1, window: '1m' } } }],
    ['a fractional limit', { free: { api: { limit: 1.5, window: '1m' } } }],
    ['an unknown unit', { free: { api: '20/1w' } }],
    ['an unknown object field', { free: { api: { limit: 5, window: '1m', brust: 2 } } }],
    ['a bucket name with a colon', { free: { 'a:b': '20/1m' } }],
    ['two limits with one window', { free: { api: ['10/1m', '20/60s'] } }],
    ['an empty limit list', { free: { api: [] } }],
  ])('rejects %s with RATE_TIERS_INVALID_CONFIG', (_, config) => {
    expect(codeOf(() => createRateTiers({ tiers: config as TiersConfig }))).toBe('RATE_TIERS_INVALID_CONFIG')
  })

  it('names the bad path and says how to fix it', () => {
    expect(() => createRateTiers({ tiers: { free: { api: '20 per minute' } } })).toThrow(
      /'20\/1m'[\s\S]*at free\.api/,
    )
  })

  it('rejects an unknown algorithm and onStoreError mode', () => {
    expect(codeOf(() => createRateTiers({ tiers, algorithm: 'token' as never }))).toBe(
      'RATE_TIERS_INVALID_CONFIG',
    )
    expect(codeOf(() => createRateTiers({ tiers, onStoreError: 'ignore' as never }))).toBe(
      'RATE_TIERS_INVALID_CONFIG',
    )
  })

  it('accepts the string forms, the object form and multi-limit buckets', async () => {
    const limiter = createRateTiers({
      tiers: { t: { a: '10/s', b: '5 / 2m', c: { limit: 3, window: 1000, burst: 2 }, d: ['2/1s', '5/1m'] } },
    })
    const d = await limiter.consume({ key: 'k', tier: 't', buckets: ['a', 'b', 'c', 'd'] })
    expect(d.limits.map((l) => [l.name, l.limit, l.windowMs])).toEqual([
      ['a', 10, 1000],
      ['b', 5, 120_000],
      ['c', 3, 1000],
      ['d:1s', 2, 1000],
      ['d:1m', 5, 60_000],
    ])
  })
})

describe('bad input at consume is a typed error, never an allow', () => {
  const limiter = createRateTiers({ tiers })

  it('unknown tier', async () => {
    const error = await rejection(limiter.consume({ key: 'k', tier: 'gold', bucket: 'api' }))
    expect(error).toBeInstanceOf(UnknownTierError)
    expect(error.code).toBe('RATE_TIERS_UNKNOWN_TIER')
    expect(error.message).toMatch(/free, pro, enterprise/)
  })

  it('unknown bucket, alone or among known ones', async () => {
    const one = await rejection(limiter.consume({ key: 'k', tier: 'pro', bucket: 'export' }))
    expect(one).toBeInstanceOf(UnknownBucketError)
    expect(one.code).toBe('RATE_TIERS_UNKNOWN_BUCKET')
    const many = await rejection(limiter.consume({ key: 'k2', tier: 'pro', buckets: ['api', 'export'] }))
    expect(many.code).toBe('RATE_TIERS_UNKNOWN_BUCKET')
    // The failed multi-bucket call charged nothing.
    expect((await limiter.peek({ key: 'k2', tier: 'pro', bucket: 'api' })).remaining).toBe(100)
  })

  it.each([0, -1, 1.5, Number.NaN])('cost %s', async (cost) => {
    expect((await rejection(limiter.consume({ key: 'k', tier: 'free', bucket: 'api', cost }))).code).toBe(
      'RATE_TIERS_INVALID_COST',
    )
  })

  it('cost above the limit', async () => {
    const error = await rejection(limiter.consume({ key: 'k', tier: 'free', bucket: 'api', cost: 21 }))
    expect(error.code).toBe('RATE_TIERS_INVALID_COST')
    expect(error.message).toMatch(/capacity of 20/)
  })

  it('empty key, missing bucket, both bucket and buckets, a bucket listed twice', async () => {
    for (const input of [
      { key: '', tier: 'free', bucket: 'api' },
      { key: 'k', tier: 'free' },
      { key: 'k', tier: 'free', buckets: [] },
      { key: 'k', tier: 'free', bucket: 'api', buckets: ['api'] },
      { key: 'k', tier: 'free', buckets: ['api', 'api'] },
    ]) {
      expect((await rejection(limiter.consume(input))).code).toBe('RATE_TIERS_INVALID_ARGUMENT')
    }
    expect((await rejection(limiter.reset({ key: '' }))).code).toBe('RATE_TIERS_INVALID_ARGUMENT')
    expect((await rejection(limiter.reset({ key: 'k', bucket: 'export' }))).code).toBe(
      'RATE_TIERS_UNKNOWN_BUCKET',
    )
  })
})
