import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { withRateTiers } from '../src/fetch'
import { createRateTiers } from '../src/index'
import { appTiers } from './fixtures/app-tiers'

function build() {
  const tiers = appTiers()
  const options = {
    tiers,
    key: (request: Request) => request.headers.get('x-location') ?? undefined,
    tier: (request: Request) => request.headers.get('x-plan') ?? 'free',
    upgradeUrl: '/billing',
  }
  let handled = 0
  const orders = withRateTiers(async () => {
    handled++
    return Response.json({ ok: true })
  }, options)
  const legacy = withRateTiers(() => Response.redirect('https://app.example/orders', 302), {
    ...options,
    bucket: 'analysis',
  })
  const app = new Hono()
  app.onError((error) => Response.json({ code: (error as { code?: string }).code }, { status: 500 }))
  app.get('/orders', (c) => orders(c.req.raw))
  app.get('/legacy', (c) => legacy(c.req.raw))
  return { app, handled: () => handled }
}

const as = (location: string, plan = 'free') => ({ headers: { 'x-location': location, 'x-plan': plan } })

describe('withRateTiers inside a Hono app', () => {
  it('adds headers to the handler response and answers 429 without calling it when denied', async () => {
    const { app, handled } = build()
    const ok = await app.request('/orders', as('loc_1'))
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ ok: true })
    expect(ok.headers.get('ratelimit-policy')).toBe('"api";q=3;w=3600')
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('2')
    await app.request('/orders', as('loc_1'))
    await app.request('/orders', as('loc_1'))
    const denied = await app.request('/orders', as('loc_1'))
    expect(denied.status).toBe(429)
    expect(handled()).toBe(3)
    expect(Number(denied.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await denied.json()).toMatchObject({
      code: 'RATE_LIMIT_EXCEEDED',
      limits: { next: { tier: 'pro' } },
    })
  })

  it('copies responses whose headers are immutable (Response.redirect)', async () => {
    const { app } = build()
    const res = await app.request('/legacy', as('loc_2', 'pro'))
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('https://app.example/orders')
    expect(res.headers.get('x-ratelimit-tier')).toBe('pro')
  })

  it('rejects an unknown plan instead of allowing it', async () => {
    const { app, handled } = build()
    const res = await app.request('/orders', as('loc_3', 'gold'))
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ code: 'RATE_TIERS_UNKNOWN_TIER' })
    expect(handled()).toBe(0)
  })
})

describe('withRateTiers: concurrency leases end with the response body', () => {
  it('holds the slot while the body streams and frees it when the body has been read', async () => {
    const tiers = createRateTiers({ tiers: { t: { slow: { concurrency: 1 } } } })
    let push: (chunk: string | null) => void = () => {}
    const handler = withRateTiers(
      () =>
        new Response(
          new ReadableStream<string>({
            start(controller) {
              push = (chunk) => (chunk === null ? controller.close() : controller.enqueue(chunk))
            },
          }).pipeThrough(new TextEncoderStream()),
        ),
      { tiers, key: () => 'k', tier: () => 't', bucket: 'slow' },
    )
    const first = await handler(new Request('http://x/'))
    expect(first.status).toBe(200)
    expect((await handler(new Request('http://x/'))).status).toBe(429)
    push('hello')
    push(null)
    expect(await first.text()).toBe('hello')
    await new Promise((r) => setTimeout(r, 10))
    expect((await handler(new Request('http://x/'))).status).toBe(200)
  })
})
