import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createPosterClient } from '../src/index'
import { authorizationUrl, exchangeCode, parseAuthorizationCallback } from '../src/oauth'
import { createFakePoster } from '../src/testing'

// The fake's consent page (`consent: 'page'`): a person names their account, allows or denies; new
// accounts are created then, and kept across a restart with `accountsFile`.
const dir = mkdtempSync(join(tmpdir(), 'fake-consent-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const redirectUri = 'http://app.test/callback'

async function consentTo(base: string, applicationId: string, decision: 'allow' | 'deny', account: string) {
  const page = await fetch(authorizationUrl({ applicationId, redirectUri, state: 'st-1', baseUrl: base }))
  expect(page.status).toBe(200)
  const html = await page.text()
  expect(html).toContain('<form method="post" action="/api/auth">')
  const form = new URLSearchParams()
  for (const [, name, value] of html.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g))
    form.set(name as string, (value as string).replace(/&amp;/g, '&'))
  form.set('account', account)
  form.set('decision', decision)
  const answer = await fetch(`${base}/api/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  })
  expect(answer.status).toBe(303)
  return new URL(answer.headers.get('location') as string)
}

describe('fake Poster consent page', () => {
  it('creates the account named on Allow, echoes state, and the code exchanges for a working token', async () => {
    const file = join(dir, 'accounts.json')
    const fake = await createFakePoster({ accounts: ['cafe'], consent: 'page', accountsFile: file, seed: 3 })
    const back = await consentTo(fake.url, fake.application.id, 'allow', 'new-bistro')
    expect(back.origin + back.pathname).toBe(redirectUri)
    const callback = parseAuthorizationCallback(back)
    expect(callback).toMatchObject({ account: 'new-bistro', state: 'st-1' })
    const token = await exchangeCode({
      account: callback.account,
      applicationId: fake.application.id,
      applicationSecret: fake.application.secret,
      redirectUri,
      code: callback.code,
      baseUrl: fake.url,
    })
    expect(token.access_token).toMatch(/^\d+:[0-9a-f]{32}$/)
    const poster = createPosterClient({ account: 'new-bistro', token: token.access_token, baseUrl: fake.url })
    const suppliers = await poster.storage.getSuppliers()
    expect(suppliers.length).toBeGreaterThan(0)
    await fake.close()

    // Started again with the same file: the account, its token and its data are there.
    const again = await createFakePoster({ accounts: ['cafe'], consent: 'page', accountsFile: file, seed: 3 })
    expect(again.accounts.map((a) => a.account)).toEqual(['cafe', 'new-bistro'])
    const same = createPosterClient({ account: 'new-bistro', token: token.access_token, baseUrl: again.url })
    expect(await same.storage.getSuppliers()).toEqual(suppliers)
    await again.close()
  })

  it('answers a denial with error=access_denied and the state, and signs in an existing account without creating one', async () => {
    const fake = await createFakePoster({ accounts: ['cafe'], consent: 'page' })
    const denied = await consentTo(fake.url, fake.application.id, 'deny', '')
    expect(Object.fromEntries(denied.searchParams)).toEqual({ error: 'access_denied', state: 'st-1' })
    expect(() => parseAuthorizationCallback(denied)).toThrow(/declined/)
    const existing = await consentTo(fake.url, fake.application.id, 'allow', 'cafe')
    expect(existing.searchParams.get('account')).toBe('cafe')
    expect(fake.accounts).toHaveLength(1)
    await fake.close()
  })
})
