import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { rateTiersPlugin } from '../src/fastify'
import { createRateTiers } from '../src/index'
import { appTiers } from './fixtures/app-tiers'

let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

async function build(body?: 'problem+json') {
  app = Fastify()
  await app.register(rateTiersPlugin, {
    tiers: appTiers(),
    key: (request) => request.headers['x-location'] as string | undefined,
    tier: (request) => String(request.headers['x-plan'] ?? 'free'),
    upgradeUrl: 'https://app.example/billing',
    ...(body ? { body } : {}),
  })
  app.get('/orders', async () => ({ ok: true }))
  app.post('/analysis', { config: { rateTiers: { bucket: 'analysis', cost: 4 } } }, async () => ({
    ok: true,
  }))
  app.get('/health', { config: { rateTiers: false } }, async () => ({ ok: true }))
  return app
}

const as = (location: string, plan = 'free') => ({ 'x-location': location, 'x-plan': plan })

describe('rateTiersPlugin through fastify.inject', () => {
  it('sets the headers on allowed requests and answers 429 with the body when denied', async () => {
    const app = await build()
    const ok = await app.inject({ url: '/orders', headers: as('loc_1') })
    expect(ok.statusCode).toBe(200)
    expect(ok.headers['ratelimit-policy']).toBe('"api";q=3;w=3600')
    expect(ok.headers).toMatchObject({
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '2',
      'x-ratelimit-tier': 'free',
    })
    await app.inject({ url: '/orders', headers: as('loc_1') })
    await app.inject({ url: '/orders', headers: as('loc_1') })
    const denied = await app.inject({ url: '/orders', headers: as('loc_1') })
    expect(denied.statusCode).toBe(429)
    expect(denied.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(Number(denied.headers['retry-after'])).toBeGreaterThan(0)
    expect(denied.headers['x-ratelimit-remaining']).toBe('0')
    expect(denied.json()).toMatchObject({
      code: 'RATE_LIMIT_EXCEEDED',
      tier: 'free',
      limits: { current: { limit: 3, window: '1h' }, next: { tier: 'pro', limit: 100 } },
      upgradeUrl: 'https://app.example/billing',
    })
    // Another location and a paying plan are unaffected.
    expect((await app.inject({ url: '/orders', headers: as('loc_2') })).statusCode).toBe(200)
    expect((await app.inject({ url: '/orders', headers: as('loc_1', 'pro') })).statusCode).toBe(200)
  })

  it('charges the route bucket and cost, and leaves opted-out routes alone', async () => {
    const app = await build()
    const statuses = []
    for (let i = 0; i < 3; i++)
      statuses.push((await app.inject({ method: 'POST', url: '/analysis', headers: as('loc_3') })).statusCode)
    expect(statuses).toEqual([200, 200, 429])
    const health = await app.inject({ url: '/health', headers: as('loc_3') })
    expect(health.statusCode).toBe(200)
    expect(health.headers['x-ratelimit-limit']).toBeUndefined()
    expect(
      (await app.inject({ url: '/orders', headers: as('loc_3') })).headers['x-ratelimit-remaining'],
    ).toBe('2')
  })

  it('lets requests without a key through and fails loudly on an unknown plan', async () => {
    const app = await build()
    const anonymous = await app.inject({ url: '/orders' })
    expect(anonymous.statusCode).toBe(200)
    expect(anonymous.headers['x-ratelimit-limit']).toBeUndefined()
    const unknown = await app.inject({ url: '/orders', headers: as('loc_4', 'gold') })
    expect(unknown.statusCode).toBe(500)
    expect(unknown.json().code).toBe('RATE_TIERS_UNKNOWN_TIER')
  })

  it('can answer with problem+json', async () => {
    const app = await build('problem+json')
    for (let i = 0; i < 3; i++) await app.inject({ url: '/orders', headers: as('loc_5') })
    const denied = await app.inject({ url: '/orders', headers: as('loc_5') })
    expect(denied.statusCode).toBe(429)
    expect(denied.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(denied.json()).toMatchObject({ status: 429, 'violated-policies': ['api'] })
  })
})

describe('rateTiersPlugin: refunds by status and concurrency leases', () => {
  it('gives failed requests back with skipFailed and frees a lease when the response ends', async () => {
    app = Fastify()
    let release: () => void = () => {}
    await app.register(rateTiersPlugin, {
      tiers: createRateTiers({ tiers: { t: { api: '3/1h', slow: { concurrency: 1 } } } }),
      key: () => 'k',
      tier: () => 't',
      skipFailed: true,
    })
    app.get('/fail', async (_request, reply) => reply.code(500).send({ ok: false }))
    app.get('/ok', async () => ({ ok: true }))
    app.get(
      '/slow',
      { config: { rateTiers: { bucket: 'slow' } } },
      () => new Promise((r) => (release = () => r('done'))),
    )
    for (let i = 0; i < 5; i++) expect((await app.inject({ url: '/fail' })).statusCode).toBe(500)
    expect((await app.inject({ url: '/ok' })).headers['x-ratelimit-remaining']).toBe('2')
    const first = app.inject({ url: '/slow' })
    await new Promise((r) => setTimeout(r, 50))
    expect((await app.inject({ url: '/slow' })).statusCode).toBe(429)
    release()
    expect((await first).statusCode).toBe(200)
    const again = app.inject({ url: '/slow' })
    await new Promise((r) => setTimeout(r, 50))
    release()
    expect((await again).statusCode).toBe(200)
  })
})
