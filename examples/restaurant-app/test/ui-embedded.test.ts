import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppProcess, startEmbedded } from './app-process'
import {
  type Browser,
  checkAccessibility,
  editControls,
  fetchFromPage,
  launchBrowser,
  logIn,
  shoot,
} from './browser'

// The app as `pnpm start` runs it with no services (PGlite on disk, memory stores, the fake Poster), in
// Chromium: the manager's flow, then a restart on the same DATA_DIR: what was entered is still there,
// the demo seeding leaves it alone, and syncs work against the new fake.
const PASSWORD = 'demo-password'
const ONBOARDED_PASSWORD = 'olga has a long password'
const dataDir = mkdtempSync(join(tmpdir(), 'rc-app-ui-'))
let app: AppProcess | undefined
let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  app?.kill()
  rmSync(dataDir, { recursive: true, force: true })
})

async function api(base: string, email: string, method: string, path: string, body?: unknown) {
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  })
  const { token } = (await login.json()) as { token: string }
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  // Parsed JSON, as loosely typed as the API tests' inject().json().
  const json: ReturnType<typeof JSON.parse> = response.status === 204 ? undefined : await response.json()
  return { status: response.status, body: json }
}

/** The demo's first syncs and starting checklists are done. */
async function demoReady(base: string) {
  await expect
    .poll(
      async () =>
        (await api(base, 'manager@example.com', 'GET', '/api/restaurants/nord-bistro/checklist')).body
          .sections?.length,
      {
        timeout: 60_000,
        interval: 500,
      },
    )
    .toBe(3)
}

describe('embedded defaults, in Chromium, across a restart', () => {
  let orderId: number

  it('a manager orders from the suggestions, sends and receives', async () => {
    app = await startEmbedded({ DATA_DIR: dataDir })
    const base = app.url
    await demoReady(base)
    const context = await browser.newContext()
    const page = await context.newPage()
    page.on('dialog', (dialog) => void dialog.accept())
    // The page a person opens first: / → the login page, which shows the demo logins.
    await page.goto(base)
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(await page.textContent('main')).toContain('manager@example.com')
    await checkAccessibility(page, 'embedded-login')
    await logIn(page, base, 'manager@example.com', PASSWORD)
    expect(await page.getByRole('link', { name: 'Nord Bistro' }).count()).toBe(1)
    expect(await page.getByRole('link', { name: 'Aurora Café' }).count()).toBe(1)
    await shoot(page, 'embedded-restaurants')

    await page.goto(`${base}/app/r/nord-bistro/checklist`)
    await checkAccessibility(page, 'embedded-checklist')
    await shoot(page, 'embedded-checklist')
    expect(await page.locator('tr.low').count()).toBeGreaterThan(0)
    const bar = page
      .locator('section.checklist-section')
      .filter({ has: page.getByRole('heading', { name: /^Bar/ }) })
    await bar.getByLabel('Rename').fill('Bar and cellar')
    await Promise.all([page.waitForEvent('load'), bar.getByRole('button', { name: 'Save' }).click()])

    await page.getByRole('link', { name: /Order the suggestions/ }).click()
    const form = page.locator('form[data-api*="/orders"]').first()
    await Promise.all([page.waitForURL(/\/orders\/\d+$/), form.getByRole('button').click()])
    orderId = Number(page.url().split('/').at(-1))
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: 'Send to supplier' }).click(),
    ])
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: 'Mark as received' }).click(),
    ])
    expect(await page.locator('[data-order-status]').textContent()).toBe('Received')
    await shoot(page, 'embedded-order-received')
    await page.goto(`${base}/app/r/nord-bistro/analytics`)
    expect(await page.locator('svg.chart title').textContent()).toContain('1 received')
    await shoot(page, 'embedded-analytics')
    await context.close()

    // The viewer: the same pages, no edit controls, every page accessible; a forged write refused.
    const viewerContext = await browser.newContext()
    const asViewer = await viewerContext.newPage()
    await logIn(asViewer, base, 'viewer@example.com', PASSWORD)
    for (const path of [
      '/app',
      '/app/r/nord-bistro/',
      '/app/r/nord-bistro/checklist',
      '/app/r/nord-bistro/orders',
      `/app/r/nord-bistro/orders/${orderId}`,
      '/app/r/nord-bistro/analytics',
      '/app/r/nord-bistro/plan',
      '/billing/upgrade',
    ]) {
      expect((await asViewer.goto(`${base}${path}`))?.status(), path).toBe(200)
      await checkAccessibility(asViewer, `embedded-viewer ${path}`)
      expect(await editControls(asViewer), path).toBe(0)
    }
    const forged = await fetchFromPage(asViewer, 'PATCH', `/api/restaurants/nord-bistro/orders/${orderId}`, {
      status: 'cancelled',
    })
    expect(forged.status).toBe(403)
    await viewerContext.close()

    // Onboarding on the fake Poster: a new person connects a new account.
    const owner = await browser.newContext()
    const signup = await owner.newPage()
    await signup.goto(`${base}/signup`)
    await signup.getByLabel('Your name').fill('Olga')
    await signup.getByLabel('Email').fill('olga@my-bistro.test')
    await signup.getByLabel(/^Password/).fill(ONBOARDED_PASSWORD)
    await Promise.all([
      signup.waitForURL(`${base}/app`),
      signup.getByRole('button', { name: 'Create account' }).click(),
    ])
    await signup.getByRole('link', { name: 'Connect your Poster account' }).click()
    await signup.getByRole('link', { name: 'Connect your Poster account' }).click()
    await signup.getByLabel('Your Poster account').fill('my-bistro')
    await Promise.all([
      signup.waitForURL(`${base}/app/r/my-bistro/**`),
      signup.getByRole('button', { name: 'Allow' }).click(),
    ])
    await expect
      .poll(() => signup.locator('#notice').textContent(), { timeout: 30_000 })
      .toBe('Sync finished.')
    await shoot(signup, 'embedded-onboarded')
    await owner.close()

    // An admin changes a demo user's role: a restart must not reset it.
    const members = await api(base, 'admin@example.com', 'GET', '/api/restaurants/aurora-cafe/members')
    const viewer = members.body.items.find((m: { email: string }) => m.email === 'viewer@example.com')
    expect(
      (
        await api(base, 'admin@example.com', 'PUT', `/api/restaurants/aurora-cafe/members/${viewer.userId}`, {
          role: 'manager',
        })
      ).status,
    ).toBe(200)
  }, 180_000)

  it('after a restart on the same DATA_DIR: the data is there, the demo seed left it alone, syncs work', async () => {
    expect(await app?.stop()).toBe(0)
    app = await startEmbedded({ DATA_DIR: dataDir })
    const base = app.url
    await demoReady(base)

    const order = await api(
      base,
      'manager@example.com',
      'GET',
      `/api/restaurants/nord-bistro/orders/${orderId}`,
    )
    expect(order.body).toMatchObject({ id: orderId, status: 'received' })
    const checklist = await api(base, 'manager@example.com', 'GET', '/api/restaurants/nord-bistro/checklist')
    expect(checklist.body.sections.map((s: { name: string }) => s.name)).toEqual([
      'Kitchen',
      'Bar and cellar',
      'Dry store',
    ])
    const me = await api(base, 'viewer@example.com', 'GET', '/api/me')
    expect(me.body.memberships).toEqual({ 'aurora-cafe': 'manager', 'nord-bistro': 'viewer' })

    // Sessions lived in this process's memory: log in again, then sync against the restarted fake.
    const context = await browser.newContext()
    const page = await context.newPage()
    await logIn(page, base, 'admin@example.com', PASSWORD)
    await page.goto(`${base}/app/r/nord-bistro/orders?status=received`)
    expect(await page.getByRole('link', { name: `#${orderId}` }).count()).toBe(1)
    await page.goto(`${base}/app/r/nord-bistro/`)
    await page.getByRole('button', { name: 'Sync now' }).click()
    await expect.poll(() => page.locator('#notice').textContent(), { timeout: 30_000 }).toBe('Sync finished.')
    await shoot(page, 'embedded-after-restart')
    await context.close()

    // The onboarded restaurant is still there, and syncs from the fake, which kept its account.
    const olga = await browser.newContext()
    const mine = await olga.newPage()
    await logIn(mine, base, 'olga@my-bistro.test', ONBOARDED_PASSWORD)
    await mine.goto(`${base}/app/r/my-bistro/`)
    await mine.getByRole('button', { name: 'Sync now' }).click()
    await expect.poll(() => mine.locator('#notice').textContent(), { timeout: 30_000 }).toBe('Sync finished.')
    await olga.close()
    const events = await api(base, 'admin@example.com', 'GET', '/api/restaurants/nord-bistro/sync/events')
    expect(events.body.items[0].kind).toBe('done')
    expect(await app.stop()).toBe(0)
    app = undefined
  }, 180_000)
})
