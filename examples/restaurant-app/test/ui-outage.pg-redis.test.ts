import { type RedisServer, startRedis } from '@rc/test-services'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemoChecklist } from '../src/demo-checklist'
import { type Browser, checkAccessibility, launchBrowser, logIn, shoot } from './browser'
import { PASSWORD, type Stack, startStack, user } from './stack'

// The staff UI while Redis (sessions, cache, limits) is down: on a Redis of its own that this file stops.
let redis: RedisServer
let stack: Stack
let browser: Browser
let base: string

beforeAll(async () => {
  redis = await startRedis()
  stack = await startStack({
    label: 'ui_outage',
    restaurants: 1,
    tiers: ['pro'],
    users: [user('manager@r0.test', { r0: 'manager' })],
    env: {
      REDIS_URL: redis.url,
      RATE_TIERS: JSON.stringify({ pro: { api: '10000/1m', analysis: '1000/1h' } }),
    },
  })
  const { id } = await stack.runtime.jobs.enqueueSync({ restaurantId: 'r0', reason: 'manual' })
  expect((await stack.waitForJob(id)).state).toBe('completed')
  await seedDemoChecklist(stack.runtime, 'r0')
  base = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  browser = await launchBrowser()
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await redis?.start().catch(() => {})
  await stack?.close()
  await redis?.destroy()
})

describe('staff UI during a Redis outage', () => {
  it('keeps a known session serving with a "may be out of date" banner; an unknown one gets the 503 page', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await logIn(page, base, 'manager@r0.test', PASSWORD)
    expect((await page.goto(`${base}/app/r/r0/checklist`))?.status()).toBe(200)
    expect(await page.locator('.banner.warn').count()).toBe(0)

    await redis.stop()
    try {
      // This instance checked the session a moment ago: it serves it, from the cache's fallback.
      await expect
        .poll(
          async () => {
            const response = await page.goto(`${base}/app/r/r0/checklist`)
            return `${response?.status()} ${await page.locator('.banner.warn').count()}`
          },
          { timeout: 20_000, interval: 1_000 },
        )
        .toBe('200 1')
      expect(await page.locator('.banner.warn').textContent()).toContain('may be out of date')
      await shoot(page, 'outage-stale')

      // A session nobody here has seen cannot be checked: 503, never the login page.
      const stranger = await browser.newContext()
      await stranger.addCookies([{ name: 'rc_session', value: 'x'.repeat(43), url: base }])
      const other = await stranger.newPage()
      const response = await other.goto(`${base}/app/r/r0/checklist`)
      expect(response?.status()).toBe(503)
      expect(new URL(other.url()).pathname).toBe('/app/r/r0/checklist')
      expect(await other.getByRole('heading', { name: 'Temporarily unavailable' }).count()).toBe(1)
      expect(await other.textContent('main')).toMatch(/try again in \d+ s[\s\S]*out of date/)
      await checkAccessibility(other, 'error-503')
      await shoot(other, 'error-503')
      await stranger.close()
    } finally {
      await redis.start()
    }
    // Back by itself: the banner goes once Redis answers again.
    await expect
      .poll(
        async () => {
          await page.goto(`${base}/app/r/r0/checklist`)
          return page.locator('.banner.warn').count()
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toBe(0)
    await context.close()
  }, 90_000)
})
