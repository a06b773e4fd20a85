import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Browser, checkAccessibility, launchBrowser, logIn, shoot } from './browser'
import { type Instance, PASSWORD, type Stack, startStack, user } from './stack'

// Members in Chromium, across two app instances on the same PostgreSQL and Redis: an admin invites
// on one, the invitee signs up and joins on the other, and role changes and removals made on the
// first apply on the second's very next request.
let stack: Stack
let other: Instance
let browser: Browser
let a: string
let b: string

beforeAll(async () => {
  stack = await startStack({
    label: 'members',
    restaurants: 1,
    tiers: ['pro'],
    users: [user('admin@r0.test', { r0: 'admin' }), user('manager@r0.test', { r0: 'manager' })],
  })
  const { id } = await stack.runtime.jobs.enqueueSync({ restaurantId: 'r0', reason: 'manual' })
  expect((await stack.waitForJob(id)).state).toBe('completed')
  a = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  other = await stack.instance()
  b = await other.app.listen({ port: 0, host: '127.0.0.1' })
  browser = await launchBrowser()
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await other?.close()
  await stack?.close()
})

describe('members', () => {
  it('invite by link, sign up and join, change the role, remove: each applies on the next request elsewhere', async () => {
    const adminContext = await browser.newContext()
    const admin = await adminContext.newPage()
    admin.on('dialog', (dialog) => void dialog.accept())
    await logIn(admin, a, 'admin@r0.test', PASSWORD)
    await admin.goto(`${a}/app/r/r0/members`)
    await checkAccessibility(admin, 'members')
    expect(await admin.locator('tr[data-member]').count()).toBe(2)

    await admin.getByLabel('Role', { exact: true }).selectOption('manager')
    await admin.getByRole('button', { name: 'Create invitation link' }).click()
    const field = admin.locator('#invite-link')
    await expect.poll(() => field.inputValue()).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/)
    const link = await field.inputValue()
    expect(link.startsWith(`${a}/invite/`)).toBe(true)
    await shoot(admin, 'members-invite')
    // Shown once: the page after a reload lists the invitation, never its link.
    await admin.reload()
    expect(await admin.content()).not.toContain(link.split('/').at(-1) as string)
    expect(await admin.getByRole('heading', { name: 'Open invitations' }).count()).toBe(1)

    // The invitee opens the link on the other instance, with no account yet.
    const inviteeContext = await browser.newContext()
    const invitee = await inviteeContext.newPage()
    const path = new URL(link).pathname
    await invitee.goto(`${b}${path}`)
    await checkAccessibility(invitee, 'invite')
    await shoot(invitee, 'invite')
    await invitee.getByRole('link', { name: 'Create an account' }).click()
    await invitee.waitForURL(`${b}/signup?next=${encodeURIComponent(path)}`)
    await checkAccessibility(invitee, 'signup')
    await shoot(invitee, 'signup')
    await invitee.getByLabel('Your name').fill('Nina New')
    await invitee.getByLabel('Email').fill('nina@r0.test')
    await invitee.getByLabel(/^Password/).fill('a long enough password')
    await Promise.all([
      invitee.waitForURL(`${b}${path}`),
      invitee.getByRole('button', { name: 'Create account' }).click(),
    ])
    await Promise.all([
      invitee.waitForURL(`${b}/app/r/r0/`),
      invitee.getByRole('button', { name: 'Join Restaurant 0' }).click(),
    ])
    expect(await invitee.locator('.where .badge').textContent()).toBe('manager')
    expect((await invitee.goto(`${b}/app/r/r0/orders/new`))?.status()).toBe(200)

    // Used once: a second account with the same link is refused.
    const third = await browser.newContext()
    const thirdPage = await third.newPage()
    await thirdPage.goto(`${b}${path}`)
    expect(await thirdPage.textContent('main')).toContain('was already used')
    await third.close()

    // The admin lowers Nina to viewer on instance A; her next request on B is a viewer's.
    await admin.reload()
    const nina = admin.locator('tr[data-member="nina@r0.test"]')
    await nina.getByLabel('Role of Nina New').selectOption('viewer')
    await Promise.all([admin.waitForEvent('load'), nina.getByRole('button', { name: 'Set role' }).click()])
    expect((await invitee.goto(`${b}/app/r/r0/orders/new`))?.status()).toBe(403)
    expect((await invitee.goto(`${b}/app/r/r0/checklist`))?.status()).toBe(200)

    // The last admin cannot demote themselves: the page says why.
    const self = admin.locator('tr[data-member="admin@r0.test"]')
    await self.getByLabel('Role of admin').selectOption('viewer')
    await self.getByRole('button', { name: 'Set role' }).click()
    await expect.poll(() => admin.locator('#alert').textContent()).toContain('at least one admin')

    // Removed on A: gone on B at once.
    await admin.reload()
    await Promise.all([
      admin.waitForEvent('load'),
      admin
        .locator('tr[data-member="nina@r0.test"]')
        .getByRole('button', { name: 'Remove Nina New' })
        .click(),
    ])
    expect(await admin.locator('tr[data-member="nina@r0.test"]').count()).toBe(0)
    await shoot(admin, 'members')
    expect((await invitee.goto(`${b}/app/r/r0/`))?.status()).toBe(403)
    await inviteeContext.close()
    await adminContext.close()
  }, 120_000)

  it('members are for admins; sign-up refuses an email that exists and never overwrites it', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await logIn(page, a, 'manager@r0.test', PASSWORD)
    expect((await page.goto(`${a}/app/r/r0/members`))?.status()).toBe(403)
    expect(await page.getByRole('link', { name: 'Members' }).count()).toBe(0)
    await context.close()

    const signup = await stack.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { name: 'Mallory', email: 'admin@r0.test', password: 'attacker password' },
    })
    expect(signup.statusCode).toBe(409)
    expect(signup.json().code).toBe('EMAIL_TAKEN')
    await stack.login('admin@r0.test') // the password is still the owner's
  }, 60_000)
})
