import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authorizationUrl, exchangeCode, parseAuthorizationCallback } from '../src/oauth'
import { createFakePoster, type FakePoster } from '../src/testing'
import { exposed } from './helpers'

let fake: FakePoster
beforeAll(async () => {
  fake = await createFakePoster({ accounts: ['cafe', 'bar'] })
})
afterAll(() => fake.close())

describe('oauth', () => {
  it('builds the authorization URL Poster documents', () => {
    const url = new URL(
      authorizationUrl({ applicationId: 1234, redirectUri: 'https://app.example/cb?x=1', state: 's1' }),
    )
    expect(url.origin + url.pathname).toBe('https://joinposter.com/api/auth')
    // Poster's pages name it both ways: both are sent.
    expect(Object.fromEntries(url.searchParams)).toEqual({
      application_id: '1234',
      client_id: '1234',
      redirect_uri: 'https://app.example/cb?x=1',
      response_type: 'code',
      state: 's1',
    })
  })

  it('the fake takes either name on the consent page, and refuses another application', async () => {
    for (const name of ['application_id', 'client_id']) {
      const url = `${fake.url}/api/auth?${name}=${fake.application.id}&redirect_uri=${encodeURIComponent('http://app.test/cb')}&response_type=code&account=cafe`
      const redirect = await fetch(url, { redirect: 'manual' })
      expect(redirect.status).toBe(302)
      expect(parseAuthorizationCallback(redirect.headers.get('location')!).account).toBe('cafe')
    }
    const wrong = await fetch(`${fake.url}/api/auth?client_id=999&redirect_uri=http%3A%2F%2Fapp.test%2Fcb`, {
      redirect: 'manual',
    })
    expect(wrong.status).toBe(400)
  })

  it("the fake exchanges a code sent as multipart form data, as in the docs' curl example", async () => {
    const form = new FormData()
    form.set('application_id', fake.application.id)
    form.set('application_secret', fake.application.secret)
    form.set('grant_type', 'authorization_code')
    form.set('redirect_uri', 'http://app.test/cb')
    form.set('code', fake.authorize('cafe'))
    const response = await fetch(`${fake.url}/api/v2/auth/access_token`, { method: 'POST', body: form })
    expect(response.headers.get('content-type')).toContain('application/json')
    expect(await response.json()).toMatchObject({
      access_token: fake.accounts[0]!.token,
      account_number: String(fake.accounts[0]!.accountNumber),
    })
  })

  it('follows the fake through authorize -> callback -> exchangeCode (form body, bare answer)', async () => {
    const start = authorizationUrl({
      applicationId: fake.application.id,
      redirectUri: 'http://app.test/cb',
      baseUrl: fake.url,
    })
    const redirect = await fetch(`${start}&account=bar`, { redirect: 'manual' })
    expect(redirect.status).toBe(302)
    const { code, account } = parseAuthorizationCallback(redirect.headers.get('location')!)
    expect(account).toBe('bar')
    const answer = await exchangeCode({
      account,
      code,
      applicationId: fake.application.id,
      applicationSecret: fake.application.secret,
      redirectUri: 'http://app.test/cb',
      baseUrl: fake.url,
    })
    expect(answer.access_token).toBe(fake.accounts[1]!.token)
    expect(answer.account_number).toBe(String(fake.accounts[1]!.accountNumber))
    expect(answer.user).toMatchObject({ id: 1, role_id: 3 })
    const sent = fake.requests.findLast((r) => r.method === 'v2/auth/access_token')!
    expect(sent.body).toMatchObject({
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://app.test/cb',
    })
  })

  it("maps Poster's {code, error_type, error_message} to PosterOAuthError without leaking the secret", async () => {
    const options = {
      account: 'cafe',
      applicationId: fake.application.id,
      applicationSecret: fake.application.secret,
      redirectUri: 'http://app.test/cb',
      baseUrl: fake.url,
    }
    const used = fake.authorize('cafe')
    await exchangeCode({ ...options, code: used })
    const again = await exchangeCode({ ...options, code: used }).catch((e: unknown) => e)
    expect(again).toMatchObject({ code: 'POSTER_OAUTH', posterCode: 400, errorType: 'invalid_grant' })
    const wrongSecret = await exchangeCode({
      ...options,
      applicationSecret: 'nope',
      code: fake.authorize('cafe'),
    }).catch((e: unknown) => e)
    expect(wrongSecret).toMatchObject({ code: 'POSTER_OAUTH', errorType: 'invalid_client' })
    expect(exposed(wrongSecret)).not.toContain(fake.application.secret)
  })

  it('rejects a callback without code', () => {
    expect(() => parseAuthorizationCallback('http://app.test/cb?error=denied')).toThrowError(
      expect.objectContaining({ code: 'POSTER_OAUTH' }),
    )
  })
})
