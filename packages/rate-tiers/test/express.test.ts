import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RateTiersExpressOptions, rateTiersMiddleware } from '../src/express'
import { createRateTiers } from '../src/index'
import { appTiers } from './fixtures/app-tiers'

let server: Server
let base: string

beforeAll(async () => {
  const options: RateTiersExpressOptions = {
    tiers: appTiers(),
    key: (request) => request.get('x-location'),
    tier: (request) => request.get('x-plan') ?? 'free',
    upgradeUrl: '/billing',
  }
  const app = express()
  app.get('/orders', rateTiersMiddleware(options), (_req, res) => {
    res.json({ ok: true })
  })
  app.post('/analysis', rateTiersMiddleware({ ...options, bucket: 'analysis', cost: 4 }), (_req, res) => {
    res.json({ ok: true })
  })
  app.use(
    (error: { code?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ code: error.code })
    },
  )
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve())
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const as = (location: string, plan = 'free') => ({ headers: { 'x-location': location, 'x-plan': plan } })

describe('rateTiersMiddleware on a real Express server', () => {
  it('sets headers, then answers 429 with the JSON body and Retry-After', async () => {
    const ok = await fetch(`${base}/orders`, as('loc_1'))
    expect(ok.status).toBe(200)
    expect(ok.headers.get('ratelimit')).toMatch(/^"api";r=2;t=\d+$/)
    expect(ok.headers.get('x-ratelimit-tier')).toBe('free')
    await fetch(`${base}/orders`, as('loc_1'))
    await fetch(`${base}/orders`, as('loc_1'))
    const denied = await fetch(`${base}/orders`, as('loc_1'))
    expect(denied.status).toBe(429)
    expect(Number(denied.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(denied.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await denied.json()).toMatchObject({
      code: 'RATE_LIMIT_EXCEEDED',
      tier: 'free',
      upgradeUrl: '/billing',
    })
  })

  it('charges the route bucket and cost', async () => {
    const statuses = []
    for (let i = 0; i < 3; i++)
      statuses.push((await fetch(`${base}/analysis`, { method: 'POST', ...as('loc_2') })).status)
    expect(statuses).toEqual([200, 200, 429])
    expect((await fetch(`${base}/orders`, as('loc_2'))).headers.get('x-ratelimit-remaining')).toBe('2')
  })

  it('passes an unknown plan to the error handler instead of allowing it', async () => {
    const res = await fetch(`${base}/orders`, as('loc_3', 'gold'))
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ code: 'RATE_TIERS_UNKNOWN_TIER' })
  })
})

describe('rateTiersMiddleware: refunds by status and concurrency leases', () => {
  it('gives successful requests back with skipSuccessful and frees a lease when the response ends', async () => {
    const tiers = createRateTiers({ tiers: { t: { api: '2/1h', slow: { concurrency: 1 } } } })
    const common = { tiers, key: () => 'k', tier: () => 't' }
    const app = express()
    let release: () => void = () => {}
    app.get('/ok', rateTiersMiddleware({ ...common, skipSuccessful: true }), (_req, res) => {
      res.json({ ok: true })
    })
    app.get('/slow', rateTiersMiddleware({ ...common, bucket: 'slow' }), (_req, res) => {
      release = () => res.json({ ok: true })
    })
    const own = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s))
    })
    const url = `http://127.0.0.1:${(own.address() as AddressInfo).port}`
    try {
      for (let i = 0; i < 4; i++) expect((await fetch(`${url}/ok`)).status).toBe(200)
      const first = fetch(`${url}/slow`)
      await new Promise((r) => setTimeout(r, 100))
      expect((await fetch(`${url}/slow`)).status).toBe(429)
      release()
      expect((await first).status).toBe(200)
      await new Promise((r) => setTimeout(r, 50))
      const again = fetch(`${url}/slow`)
      await new Promise((r) => setTimeout(r, 100))
      release()
      expect((await again).status).toBe(200)
    } finally {
      await new Promise<void>((resolve) => own.close(() => resolve()))
    }
  })
})
