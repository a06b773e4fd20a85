import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemoChecklist } from '../src/demo-checklist'
import {
  type Browser,
  checkAccessibility,
  editControls,
  fetchFromPage,
  fitsWidth,
  launchBrowser,
  logIn,
  type Page,
  shoot,
} from './browser'
import { bearer, PASSWORD, type Stack, startStack, user } from './stack'

// The staff UI in Chromium against the app on PostgreSQL + Redis: what a manager, a viewer and an
// admin see and do, every error state, and axe-core on every page. Screenshots land in test-output/.
let stack: Stack
let browser: Browser
let base: string

beforeAll(async () => {
  stack = await startStack({
    label: 'ui',
    restaurants: 2,
    tiers: ['pro', 'free'],
    users: [
      user('manager@r0.test', { r0: 'manager' }),
      user('viewer@r0.test', { r0: 'viewer' }),
      user('admin@r0.test', { r0: 'admin' }),
      user('limited@r1.test', { r1: 'viewer' }),
    ],
    // r1's free plan is tiny, so that the 429 page is reached in a few clicks.
    env: {
      RATE_TIERS: JSON.stringify({
        free: { api: '6/1m', analysis: '3/1h' },
        pro: { api: '1000/1m', analysis: '1000/1h' },
      }),
    },
  })
  for (const id of stack.restaurants) {
    const { id: job } = await stack.runtime.jobs.enqueueSync({ restaurantId: id, reason: 'manual' })
    expect((await stack.waitForJob(job)).state).toBe('completed')
  }
  expect(await seedDemoChecklist(stack.runtime, 'r0')).toBe(true)
  base = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await stack?.close()
})

const visit = async (page: Page, path: string, name: string) => {
  const response = await page.goto(`${base}${path}`)
  await checkAccessibility(page, name)
  await shoot(page, name)
  return response?.status()
}
const api = async (email: string, url: string) =>
  (await stack.app.inject({ method: 'GET', url, headers: bearer(await stack.login(email)) })).json()

describe('staff UI in Chromium (PostgreSQL + Redis)', () => {
  let orderId: number

  it('a manager logs in, edits the checklist, orders from the suggestions, sends and receives', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
    const page = await context.newPage()
    page.on('dialog', (dialog) => void dialog.accept())

    // Not logged in: the page sends to the login form and back.
    await page.goto(`${base}/app/r/r0/checklist`)
    expect(page.url()).toBe(`${base}/login?next=${encodeURIComponent('/app/r/r0/checklist')}`)
    await checkAccessibility(page, 'login')
    await shoot(page, 'login')
    await page.getByLabel('Email').fill('manager@r0.test')
    await page.getByLabel('Password').fill(PASSWORD)
    await Promise.all([
      page.waitForURL(`${base}/app/r/r0/checklist`),
      page.getByRole('button', { name: 'Log in' }).click(),
    ])

    expect(await visit(page, '/app', 'restaurants')).toBe(200)
    await page.getByRole('link', { name: 'Restaurant 0' }).click()
    await page.waitForURL(`${base}/app/r/r0/`)
    await checkAccessibility(page, 'overview')
    await shoot(page, 'overview')
    expect(await page.locator('[data-sync-status]').textContent()).toBe('Up to date')

    expect(await visit(page, '/app/r/r0/checklist', 'checklist')).toBe(200)
    const lowRows = await page.locator('tr.low').count()
    expect(lowRows).toBeGreaterThan(0)
    expect(await page.locator('tr.low').first().textContent()).toContain('Below par')

    // Rename a section, add one.
    const kitchen = page
      .locator('section.checklist-section')
      .filter({ has: page.getByRole('heading', { name: /^Kitchen/ }) })
    await kitchen.getByLabel('Rename').fill('Kitchen line')
    await Promise.all([page.waitForEvent('load'), kitchen.getByRole('button', { name: 'Save' }).click()])
    await expect.poll(() => page.getByRole('heading', { name: /^Kitchen line/ }).count()).toBe(1)
    await page.getByLabel('Section name').fill('Cold room')
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Add section' }).click()])
    await expect.poll(() => page.getByRole('heading', { name: /^Cold room/ }).count()).toBe(1)

    // Raise one item's par level far above its stock: it must then be below par with a suggestion.
    const firstEdit = page.locator('a[aria-label^="Edit "]').first()
    const itemName = ((await firstEdit.getAttribute('aria-label')) ?? '').replace(/^Edit /, '')
    await firstEdit.click()
    await page.waitForURL(/\/checklist\/items\/\d+$/)
    await checkAccessibility(page, 'checklist-item')
    await shoot(page, 'checklist-item')
    await page.getByLabel('Par level').fill('5000')
    await Promise.all([
      page.waitForURL(`${base}/app/r/r0/checklist`),
      page.getByRole('button', { name: 'Save' }).click(),
    ])
    const row = page
      .locator('tr', { has: page.getByRole('rowheader', { name: new RegExp(`^${itemName}`) }) })
      .first()
    expect(await row.getAttribute('class')).toBe('low')
    expect(await row.textContent()).toContain('5,000')

    expect(await visit(page, '/app/r/r0/checklist/items/new', 'checklist-item-new')).toBe(200)

    // Orders from the suggestions: the first supplier's draft, its first quantity changed to 5.
    await page.goto(`${base}/app/r/r0/checklist`)
    await page.getByRole('link', { name: /Order the suggestions/ }).click()
    await page.waitForURL(`${base}/app/r/r0/orders/new`)
    await checkAccessibility(page, 'orders-new')
    await shoot(page, 'orders-new')
    const form = page.locator('form[data-api*="/orders"]').first()
    const supplierName = ((await form.getByRole('button').textContent()) ?? '').replace(
      'Create draft order for ',
      '',
    )
    const suggested = await form.locator('input.qty').count()
    expect(suggested).toBeGreaterThan(1)
    await form.locator('input.qty').first().fill('5')
    await Promise.all([page.waitForURL(/\/orders\/\d+$/), form.getByRole('button').click()])
    orderId = Number(page.url().split('/').at(-1))
    await checkAccessibility(page, 'order-draft')
    await shoot(page, 'order-draft')
    const draft = await api('manager@r0.test', `/api/restaurants/r0/orders/${orderId}`)
    expect(draft).toMatchObject({ status: 'draft', supplierName })
    expect(draft.lines).toHaveLength(suggested)
    expect(draft.lines.map((l: { quantity: number }) => l.quantity)).toContain(5)

    // Edit the lines: drop the second, add an ingredient that was not on it.
    await page.locator('input.qty').nth(1).fill('0')
    const add = page.getByLabel('Ingredient')
    const option = await add.locator('option').nth(1).getAttribute('value')
    await add.selectOption(option as string)
    await page.getByLabel('Quantity', { exact: true }).fill('2.5')
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Save lines' }).click()])
    const edited = await api('manager@r0.test', `/api/restaurants/r0/orders/${orderId}`)
    expect(edited.lines).toHaveLength(suggested)
    expect(
      edited.lines.find((l: { ingredientId: number }) => l.ingredientId === Number(option))?.quantity,
    ).toBe(2.5)
    expect(edited.lines.map((l: { ingredientId: number }) => l.ingredientId)).not.toContain(
      draft.lines[1].ingredientId,
    )

    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: 'Send to supplier' }).click(),
    ])
    expect(await page.locator('[data-order-status]').textContent()).toBe('Sent')
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: 'Mark as received' }).click(),
    ])
    expect(await page.locator('[data-order-status]').textContent()).toBe('Received')
    await shoot(page, 'order-received')

    expect(await visit(page, '/app/r/r0/orders?status=received', 'orders')).toBe(200)
    expect(await page.getByRole('link', { name: `#${orderId}` }).count()).toBe(1)

    expect(await visit(page, '/app/r/r0/analytics', 'analytics')).toBe(200)
    const report = await api('manager@r0.test', '/api/restaurants/r0/analytics')
    expect(Number(await page.locator('[data-stock-value]').getAttribute('data-stock-value'))).toBe(
      report.stockValue,
    )
    expect(await page.locator('svg.chart title').textContent()).toContain('1 received')

    // The plan page reads the buckets without charging them: two views leave the same remaining.
    await visit(page, '/app/r/r0/plan', 'plan')
    const left = () => page.locator('tr[data-bucket="api"] [data-remaining]').first().textContent()
    const before = await left()
    await page.reload()
    expect(await left()).toBe(before)
    expect(await visit(page, '/billing/upgrade', 'upgrade')).toBe(200)

    // Phone width: readable, the tables scroll inside their own region.
    const phone = await context.newPage()
    await phone.setViewportSize({ width: 390, height: 844 })
    for (const path of [
      '/app/r/r0/',
      '/app/r/r0/checklist',
      '/app/r/r0/orders',
      `/app/r/r0/orders/${orderId}`,
      '/app/r/r0/analytics',
    ]) {
      await phone.goto(`${base}${path}`)
      expect(await fitsWidth(phone), path).toBe(true)
    }
    await shoot(phone, 'checklist-phone')
    await context.close()
  }, 120_000)

  it('a viewer sees the same pages without edit controls, and a forged edit is refused', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await logIn(page, base, 'viewer@r0.test', PASSWORD)
    for (const [path, name] of [
      ['/app/r/r0/', 'viewer-overview'],
      ['/app/r/r0/checklist', 'viewer-checklist'],
      ['/app/r/r0/orders', 'viewer-orders'],
      [`/app/r/r0/orders/${orderId}`, 'viewer-order'],
      ['/app/r/r0/analytics', 'viewer-analytics'],
    ] as const) {
      expect(await visit(page, path, name)).toBe(200)
      expect(await editControls(page), path).toBe(0)
    }
    expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(0)

    const checklist = await api('viewer@r0.test', '/api/restaurants/r0/checklist')
    const item = checklist.sections[0].items[0]
    const forged = [
      await fetchFromPage(page, 'PATCH', `/api/restaurants/r0/checklist/items/${item.id}`, { parLevel: 1 }),
      await fetchFromPage(page, 'POST', '/api/restaurants/r0/sections', { name: 'Forged' }),
      await fetchFromPage(page, 'POST', '/api/restaurants/r0/orders', {
        supplierId: item.supplierId,
        lines: [{ ingredientId: item.ingredientId, quantity: 1 }],
      }),
      await fetchFromPage(page, 'PUT', `/api/restaurants/r0/orders/${orderId}/lines`, {
        lines: [{ ingredientId: item.ingredientId, quantity: 1 }],
      }),
      await fetchFromPage(page, 'POST', '/api/restaurants/r0/sync'),
    ]
    expect(forged.map((f) => f.status)).toEqual([403, 403, 403, 403, 403])
    const after = await api('viewer@r0.test', '/api/restaurants/r0/checklist')
    expect(after.sections[0].items[0].parLevel).toBe(item.parLevel)
    expect(after.sections.map((s: { name: string }) => s.name)).not.toContain('Forged')

    // A manager's page, opened by the viewer: the server says no, in words.
    expect(await visit(page, '/app/r/r0/orders/new', 'viewer-forbidden')).toBe(403)
    expect(await page.getByRole('heading', { name: 'Not allowed' }).count()).toBe(1)
    await context.close()
  }, 60_000)

  it('error states: 403 for another restaurant, 429 with when to retry and the upgrade path', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await logIn(page, base, 'limited@r1.test', PASSWORD)
    expect(await visit(page, '/app/r/r0/checklist', 'error-403')).toBe(403)
    expect(await page.textContent('main')).toContain('cannot open this page')

    let status: number | undefined
    for (let i = 0; i < 10 && status !== 429; i++)
      status = (await page.goto(`${base}/app/r/r1/checklist`))?.status()
    expect(status).toBe(429)
    await checkAccessibility(page, 'error-429')
    await shoot(page, 'error-429')
    expect(await page.getByRole('heading', { name: 'Plan limit reached' }).count()).toBe(1)
    expect(await page.textContent('main')).toMatch(/Try again in \d+ s/)
    await page.getByRole('link', { name: /how to upgrade/ }).click()
    await page.waitForURL(`${base}/billing/upgrade`)
    expect(await page.locator('tr.current').textContent()).toContain('free')
    // The plan page still opens (it charges nothing) and shows the bucket empty.
    await page.goto(`${base}/app/r/r1/plan`)
    expect(await page.locator('tr[data-bucket="api"] [data-remaining]').last().textContent()).toBe('0')
    await context.close()
  }, 60_000)

  it('an admin starts a sync and watches it to the end', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await logIn(page, base, 'admin@r0.test', PASSWORD)
    await page.goto(`${base}/app/r/r0/`)
    await page.getByRole('button', { name: 'Sync now' }).click()
    await expect.poll(() => page.locator('#notice').textContent(), { timeout: 30_000 }).toBe('Sync finished.')
    expect(
      await page.locator('[data-sync-progress]').evaluate((p) => (p as unknown as { value: number }).value),
    ).toBe(100)
    expect(await page.locator('[data-sync-status]').textContent()).toBe('Up to date')
    await checkAccessibility(page, 'overview-synced')
    await shoot(page, 'overview-synced')
    await context.close()
  }, 60_000)
})
