import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Browser, checkAccessibility, launchBrowser, logIn, type Page, shoot } from './browser'
import { PASSWORD, type Stack, startStack, user } from './stack'

// Self-service onboarding in Chromium: sign up, "Connect your Poster account", the fake Poster's consent
// page, back to the app with the restaurant created and its first sync running; and every way it fails.
let stack: Stack
let browser: Browser
let base: string

beforeAll(async () => {
  stack = await startStack({
    label: 'onboarding',
    restaurants: 1,
    users: [user('owner@r0.test', { r0: 'admin' })],
    fake: { consent: 'page' },
  })
  base = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  browser = await launchBrowser()
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await stack?.close()
})

/** From the app's onboarding page through the fake's consent page; resolves with where the app lands. */
async function connect(page: Page, account: string, decision: 'Allow' | 'Deny' = 'Allow') {
  await page.goto(`${base}/onboarding`)
  await page.getByRole('link', { name: 'Connect your Poster account' }).click()
  await page.waitForURL(`${stack.fake.url}/api/auth?**`)
  const consent = page.url()
  if (decision === 'Allow') await page.getByLabel('Your Poster account').fill(account)
  await Promise.all([page.waitForURL(`${base}/**`), page.getByRole('button', { name: decision }).click()])
  return consent
}

async function signUp(page: Page, email: string) {
  await page.goto(`${base}/signup`)
  await page.getByLabel('Your name').fill(email.split('@')[0] as string)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel(/^Password/).fill('a long enough password')
  await Promise.all([
    page.waitForURL(`${base}/app`),
    page.getByRole('button', { name: 'Create account' }).click(),
  ])
}

describe('onboarding through Poster OAuth', () => {
  it('sign up, connect a new Poster account, land on the new restaurant with its first sync done', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await signUp(page, 'olga@new-cafe.test')
    await checkAccessibility(page, 'restaurants-empty')
    await shoot(page, 'restaurants-empty')
    await page.getByRole('link', { name: 'Connect your Poster account' }).click()
    await page.waitForURL(`${base}/onboarding`)
    await checkAccessibility(page, 'onboarding')
    await shoot(page, 'onboarding')

    const consent = await connect(page, 'new-cafe')
    const state = new URL(consent).searchParams.get('state')
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(new URL(consent).searchParams.get('redirect_uri')).toBe(`${base}/onboarding/poster/callback`)
    expect(page.url()).toMatch(new RegExp(`^${base}/app/r/new-cafe/\\?welcome=1&job=`))
    expect(await page.textContent('main')).toContain('Your Poster account is connected')
    await expect.poll(() => page.locator('#notice').textContent(), { timeout: 30_000 }).toBe('Sync finished.')
    await checkAccessibility(page, 'onboarded')
    await shoot(page, 'onboarded')
    expect(await page.locator('.where .badge').textContent()).toBe('admin')

    const { rows } = await stack.owner.query<{
      tier: string
      token_ciphertext: string
      status: string
      poster_account: string
    }>("SELECT tier, token_ciphertext, status, poster_account FROM control.restaurants WHERE id = 'new-cafe'")
    const token = stack.fake.accounts.find((a) => a.account === 'new-cafe')?.token as string
    expect(rows[0]).toMatchObject({ tier: 'free', status: 'ok', poster_account: 'new-cafe' })
    expect(rows[0]?.token_ciphertext).not.toContain(token.split(':')[1])
    expect(stack.runtime.cipher.decrypt(rows[0]?.token_ciphertext as string)).toBe(token)
    const { rows: synced } = await stack.owner.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM suppliers WHERE restaurant_id = 'new-cafe'",
    )
    expect(synced[0]?.n).toBeGreaterThan(0)
    await page.goto(`${base}/app/r/new-cafe/members`)
    expect(await page.locator('tr[data-member="olga@new-cafe.test"]').textContent()).toContain('admin')

    // Connected again, by the same person: said so, with the way to the restaurant.
    await connect(page, 'new-cafe')
    expect(await page.locator('[data-connect-error]').getAttribute('data-connect-error')).toBe('connected')
    expect(await page.getByRole('link', { name: 'new-cafe' }).count()).toBe(1)
    await context.close()
  }, 120_000)

  it('shows, never throws: denied consent, an account connected to another restaurant, a forged state, a reused code', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await signUp(page, 'max@elsewhere.test')
    const errorOf = () => page.locator('[data-connect-error]').getAttribute('data-connect-error')

    await connect(page, '', 'Deny')
    expect(await errorOf()).toBe('declined')
    await checkAccessibility(page, 'onboarding-declined')
    await shoot(page, 'onboarding-declined')

    await connect(page, 'acct-r0') // the seeded restaurant r0's account
    expect(await errorOf()).toBe('connected-elsewhere')
    await shoot(page, 'onboarding-connected-elsewhere')

    // A callback this browser did not start: refused before any code is exchanged.
    const code = stack.fake.authorize('acct-r0')
    const forged = await page.goto(
      `${base}/onboarding/poster/callback?code=${code}&account=acct-r0&state=${'a'.repeat(43)}`,
    )
    expect(forged?.status()).toBe(400)
    expect(await errorOf()).toBe('state')

    // A code used once already, with a state that is right: Poster refuses it, the page says so.
    await connect(page, 'other-cafe')
    expect(page.url()).toContain('/app/r/other-cafe/')
    const used = stack.fake.requests.filter((r) => r.method === 'v2/auth/access_token').at(-1)?.body as {
      code: string
    }
    await page.goto(`${base}/onboarding`)
    await page.getByRole('link', { name: 'Connect your Poster account' }).click()
    await page.waitForURL(`${stack.fake.url}/api/auth?**`)
    const state = new URL(page.url()).searchParams.get('state') as string
    const reused = await page.goto(
      `${base}/onboarding/poster/callback?code=${used.code}&account=fresh-cafe&state=${state}`,
    )
    expect(reused?.status()).toBe(400)
    expect(await errorOf()).toBe('code')
    expect(await stack.runtime.control.restaurants.findByAccount('fresh-cafe')).toBeUndefined()
    await context.close()

    // Logged out: the onboarding page sends to sign-up first.
    const anonymous = await browser.newPage()
    await anonymous.goto(`${base}/onboarding`)
    expect(anonymous.url()).toBe(`${base}/signup?next=%2Fonboarding`)
    await anonymous.close()
  }, 120_000)

  it('an existing member sees their restaurants and may connect another', async () => {
    const page = await browser.newPage()
    await logIn(page, base, 'owner@r0.test', PASSWORD)
    expect(await page.getByRole('link', { name: 'Restaurant 0' }).count()).toBe(1)
    expect(await page.getByRole('link', { name: 'Connect your Poster account' }).count()).toBe(1)
    await page.close()
  }, 60_000)
})
