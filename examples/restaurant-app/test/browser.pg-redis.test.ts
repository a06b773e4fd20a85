import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PASSWORD, type Stack, startStack, user } from './stack'

// Debian's Chromium, installed by scripts/services.sh (.ci/run and `pnpm test` call it).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url))

let stack: Stack
let browser: Browser
let base: string

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/services.sh (apt-get install chromium).`)
  stack = await startStack({ label: 'browser', restaurants: 3, users: [user('ops@example.com', {}, true)] })
  base = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  })
  await mkdir(OUTPUT, { recursive: true })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await stack?.close()
})

describe('admin page in Chromium', () => {
  it('logs in, lists every restaurant, shows a forced sync progress to done and an account backing off', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } })
    await page.goto(`${base}/admin`)
    expect(new URL(page.url()).pathname).toBe('/login') // no session: sent to log in

    await page.fill('input[name=email]', 'ops@example.com')
    await page.fill('input[name=password]', PASSWORD)
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type=submit]')])

    const rows = page.locator('#restaurants tbody tr[data-restaurant]')
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(3)
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-restaurant')))).toEqual([
      'r0',
      'r1',
      'r2',
    ])
    const r1 = page.locator('tr[data-restaurant="r1"]')
    expect(await r1.locator('.last-sync').textContent()).toBe('never')

    await r1.locator('button.force-sync').click()
    await expect
      .poll(() => r1.locator('.job-state').textContent(), { timeout: 30_000, interval: 100 })
      .toBe('done')
    expect(await r1.locator('progress').evaluate((p) => (p as unknown as { value: number }).value)).toBe(100)
    await page.screenshot({ path: `${OUTPUT}admin-force-sync.png`, fullPage: true })

    // The page refreshes the row from the server: the sync is recorded.
    await expect.poll(() => r1.locator('.last-sync').textContent(), { timeout: 15_000 }).not.toBe('never')
    expect(await r1.locator('.status').textContent()).toBe('ok')
    const { rows: synced } = await stack.owner.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM suppliers WHERE restaurant_id = 'r1'",
    )
    expect(synced[0]?.n).toBeGreaterThan(0)

    // The per-account circuit breaker shows on the page: r2's Poster keeps failing and it backs off.
    expect(await page.locator('tr[data-restaurant="r2"] .poster').textContent()).toBe('ok')
    await stack.owner.query(
      `UPDATE control.restaurants SET poster_failures = 4, poster_backoff_until = now() + interval '10 minutes' WHERE id = 'r2'`,
    )
    await page.reload()
    await expect
      .poll(() => page.locator('tr[data-restaurant="r2"] .poster').textContent(), { timeout: 10_000 })
      .toMatch(/^backing off until .+ \(4 failed syncs\)$/)
    await page.close()
  }, 60_000)
})
