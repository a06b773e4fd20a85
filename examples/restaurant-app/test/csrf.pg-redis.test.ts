import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, PASSWORD, type Stack, startStack, user } from './stack'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

let stack: Stack
let browser: Browser
let app: string // http://127.0.0.1:<port>
let evil: Server
let evilPort: number

/** The attacker's site: each page auto-submits one form at the app. */
function attackerSite(): Promise<Server> {
  const server = createServer((request, response) => {
    const pages: Record<string, string> = {
      '/section': `<form method="post" action="${app}/api/restaurants/r0/sections">
        <input name="name" value="planted by another origin"></form>`,
      '/login': `<form method="post" action="${app}/api/auth/login">
        <input name="email" value="attacker@evil.test"><input name="password" value="${PASSWORD}"></form>`,
    }
    const form = pages[request.url ?? '']
    response.writeHead(form ? 200 : 404, { 'content-type': 'text/html' })
    response.end(form ? `<!doctype html>${form}<script>document.forms[0].submit()</script>` : '')
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/services.sh (apt-get install chromium).`)
  stack = await startStack({
    label: 'csrf',
    restaurants: 1,
    users: [user('manager@r0.test', { r0: 'manager' }), user('attacker@evil.test', {})],
  })
  app = await stack.app.listen({ port: 0, host: '127.0.0.1' })
  evil = await attackerSite()
  evilPort = (evil.address() as AddressInfo).port
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => evil?.close(resolve))
  await stack?.close()
})

async function sections(): Promise<string[]> {
  const { rows } = await stack.owner.query<{ name: string }>(
    "SELECT name FROM sections WHERE restaurant_id = 'r0'",
  )
  return rows.map((r) => r.name)
}

describe('cross-site request forgery, through Chromium', () => {
  it("refuses a form another origin posts with the victim's cookie (same site, other port)", async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${app}/login`)
    await page.fill('input[name=email]', 'manager@r0.test')
    await page.fill('input[name=password]', PASSWORD)
    await Promise.all([page.waitForURL(`${app}/docs**`), page.click('button[type=submit]')])
    expect((await context.cookies(app)).map((c) => c.name)).toContain('rc_session')

    const answer = page.waitForResponse((r) => r.url().endsWith('/api/restaurants/r0/sections'))
    await page.goto(`http://127.0.0.1:${evilPort}/section`)
    const response = await answer
    expect(response.status()).toBe(403)
    expect((await response.json()).code).toBe('CROSS_ORIGIN_REFUSED')
    expect(await sections()).not.toContain('planted by another origin')

    // The app's own pages still write: the same origin, same cookie.
    const own = await page.evaluate(async (url) => {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'added by the app itself' }),
      })
      return r.status
    }, `${app}/api/restaurants/r0/sections`)
    expect(own).toBe(201)
    expect(await sections()).toContain('added by the app itself')
    await context.close()
  }, 60_000)

  it("refuses a cross-site login form (logging the victim into the attacker's account)", async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'))
    // localhost and 127.0.0.1 are different sites.
    await page.goto(`http://localhost:${evilPort}/login`)
    const response = await answer
    expect(response.status()).toBe(403)
    expect((await context.cookies(app)).map((c) => c.name)).not.toContain('rc_session')
    await context.close()
  }, 60_000)
})

describe('the origin check, request by request', () => {
  const post = (headers: Record<string, string>) =>
    stack.app.inject({
      method: 'POST',
      url: '/api/restaurants/r0/sections',
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify({ name: `s-${Math.random()}` }),
    })

  it('leaves Bearer clients alone, and clients that send no browser headers', async () => {
    const token = await stack.login('manager@r0.test')
    expect((await post({ ...bearer(token), origin: 'https://elsewhere.test' })).statusCode).toBe(201)
    expect((await post({ ...bearer(token), 'sec-fetch-site': 'cross-site' })).statusCode).toBe(201)
    expect((await post({ cookie: `rc_session=${token}` })).statusCode).toBe(201)
  })

  it('refuses cookie requests from another origin by Sec-Fetch-Site or, without it, by Origin', async () => {
    const token = await stack.login('manager@r0.test')
    const cookie = `rc_session=${token}`
    for (const site of ['same-site', 'cross-site'])
      expect((await post({ cookie, 'sec-fetch-site': site })).statusCode).toBe(403)
    expect((await post({ cookie, origin: 'http://127.0.0.1:1' })).statusCode).toBe(403)
    expect((await post({ cookie, origin: 'null' })).statusCode).toBe(403)
    expect((await post({ cookie, 'sec-fetch-site': 'same-origin' })).statusCode).toBe(201)
    expect((await post({ cookie, origin: 'http://localhost:80', host: 'localhost:80' })).statusCode).toBe(201)
    // Logout is state-changing too.
    const logout = await stack.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
    })
    expect(logout.statusCode).toBe(403)
  })
})
