import { describe, expect, it } from 'vitest'
import { createRateTiers, rateLimitBody, rateLimitContentType, rateLimitHeaders } from '../src/index'

const tiers = {
  free: { api: '20/1m', analysis: '10/1h' },
  pro: { api: '100/1m', analysis: '100/1h' },
  enterprise: { api: '500/1m', analysis: '1000/1h' },
}

async function exhausted(tier: string, bucket: string, limit: number) {
  const limiter = createRateTiers({ tiers, algorithm: 'fixed-window' })
  await limiter.consume({ key: 'k', tier, bucket, cost: limit })
  return limiter.consume({ key: 'k', tier, bucket })
}

describe('rateLimitHeaders', () => {
  it('sends the draft-10 structured fields and the X-RateLimit set on an allowed call', async () => {
    const limiter = createRateTiers({ tiers })
    await limiter.consume({ key: 'k', tier: 'pro', bucket: 'api', cost: 57 })
    const d = await limiter.consume({ key: 'k', tier: 'pro', bucket: 'api' })
    const h = rateLimitHeaders(d)
    expect(d.policy).toBe('"api";q=100;w=60')
    expect(h['RateLimit-Policy']).toBe(d.policy)
    expect(h.RateLimit).toMatch(/^"api";r=42;t=(59|60)$/)
    expect(h).toMatchObject({
      'X-RateLimit-Limit': '100',
      'X-RateLimit-Remaining': '42',
      'X-RateLimit-Tier': 'pro',
      'X-RateLimit-Window': '1m',
    })
    expect(Number(h['X-RateLimit-Reset'])).toBeGreaterThan(0)
    expect(h['Retry-After']).toBeUndefined()
  })

  it('lists every checked limit and adds Retry-After when denied', async () => {
    const limiter = createRateTiers({ tiers })
    await limiter.consume({ key: 'k', tier: 'free', bucket: 'analysis', cost: 10 })
    const d = await limiter.consume({ key: 'k', tier: 'free', buckets: ['api', 'analysis'] })
    const h = rateLimitHeaders(d)
    expect(h['RateLimit-Policy']).toBe('"api";q=20;w=60, "analysis";q=10;w=3600')
    expect(h.RateLimit).toMatch(/^"api";r=20;t=0, "analysis";r=0;t=3\d{3}$/)
    expect(h['X-RateLimit-Limit']).toBe('10')
    expect(Number(h['Retry-After'])).toBeGreaterThan(3000)
  })

  it('can leave out either header family', async () => {
    const d = await exhausted('free', 'api', 20)
    expect(Object.keys(rateLimitHeaders(d, { legacy: false })).sort()).toEqual([
      'RateLimit',
      'RateLimit-Policy',
      'Retry-After',
    ])
    expect(Object.keys(rateLimitHeaders(d, { ietf: false })).some((h) => h.startsWith('RateLimit'))).toBe(
      false,
    )
  })
})

describe('rateLimitBody', () => {
  it("builds the original app's body with the current and next tier's limits", async () => {
    const d = await exhausted('free', 'analysis', 10)
    const body = rateLimitBody(d, { upgradeUrl: 'https://app.example/billing' })
    expect(body).toMatchObject({
      error: 'Too Many Requests',
      code: 'RATE_LIMIT_EXCEEDED',
      tier: 'free',
      bucket: 'analysis',
      limits: { current: { limit: 10, window: '1h' }, next: { tier: 'pro', limit: 100, window: '1h' } },
      upgradeUrl: 'https://app.example/billing',
    })
    expect(body.retryAfter).toBe(Math.ceil(d.retryAfterMs / 1000))
    expect(body.message).toMatch(/free plan allows 10 analysis requests per 1h.*upgrade to pro/)
    expect(rateLimitContentType()).toBe('application/json; charset=utf-8')
  })

  it('has no next tier on the top plan', async () => {
    const body = rateLimitBody(await exhausted('enterprise', 'api', 500))
    expect(body.limits.next).toBeNull()
    expect(body.upgradeUrl).toBeUndefined()
  })

  it('builds the draft problem+json body', async () => {
    const d = await exhausted('pro', 'api', 100)
    const body = rateLimitBody(d, { format: 'problem+json', upgradeUrl: '/upgrade' })
    expect(body).toMatchObject({
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      status: 429,
      'violated-policies': ['api'],
      tier: 'pro',
      upgradeUrl: '/upgrade',
    })
    expect(rateLimitContentType('problem+json')).toBe('application/problem+json')
  })
})
