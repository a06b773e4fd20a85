import { freePort } from '@rc/test-services'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createPosterClient,
  PosterApiError,
  PosterAuthError,
  type PosterClientEvent,
  type PosterError,
  PosterHttpError,
  PosterNetworkError,
  PosterPermissionError,
  PosterRateLimitError,
  PosterResponseError,
  PosterTimeoutError,
} from '../src/index'
import { createFakePoster, type FakePoster } from '../src/testing'
import { exposed, rejectionOf } from './helpers'

let fake: FakePoster
const events: PosterClientEvent[] = []

beforeAll(async () => {
  fake = await createFakePoster({
    accounts: [{ account: 'cafe' }, { account: 'bar' }, { account: 'kiosk', sections: ['menu'] }],
  })
})
afterAll(() => fake.close())
beforeEach(() => fake.resetFaults())

function client(index = 0, extra: Partial<Parameters<typeof createPosterClient>[0]> = {}) {
  const { account, token } = fake.accounts[index]!
  return createPosterClient({
    account,
    token,
    baseUrl: fake.url,
    rateLimit: { perSecond: 1000, maxConcurrent: 20 },
    retry: { retries: 2, minDelay: 1, maxDelay: 5 },
    onEvent: (e) => events.push(e),
    ...extra,
  })
}

describe('Poster error bodies map to typed errors whatever the HTTP status', () => {
  it.each([
    ['nested', { error: 32, shape: 'nested' as const, message: 'Not found' }],
    ['flat', { error: 42, shape: 'flat' as const, message: 'No such variable', field: 'supplier_id' }],
    ['oauth', { error: 38, shape: 'oauth' as const, message: 'Name exists' }],
  ])('%s shape -> PosterApiError with code, message and field', async (_, fault) => {
    fake.failNext(fault)
    const error = await rejectionOf(client().storage.getStorages())
    expect(error).toBeInstanceOf(PosterApiError)
    const api = error as PosterApiError
    expect(api.code).toBe('POSTER_API')
    expect(api.posterCode).toBe(fault.error)
    expect(api.posterMessage).toBe(fault.message)
    expect(api.field).toBe(fault.shape === 'flat' ? 'supplier_id' : undefined)
    expect(api.method).toBe('storage.getStorages')
    expect(api.message).toMatch(/^\[@rc\/poster-client\]/)
  })

  it.each([10, 11, 12])(
    'code %i -> PosterAuthError that needs reauthorization, not retried',
    async (code) => {
      const before = fake.requests.length
      fake.failNext({ error: code, shape: code === 11 ? 'flat' : 'nested' })
      const error = await rejectionOf(client().menu.getCategories())
      expect(error).toBeInstanceOf(PosterAuthError)
      expect((error as PosterAuthError).posterCode).toBe(code)
      expect((error as PosterAuthError).needsReauthorization).toBe(true)
      expect((error as PosterError).code).toBe('POSTER_AUTH')
      expect(fake.requests.length - before).toBe(1)
    },
  )

  it('an expired token (fake.expireToken) is code 12; a revoked one is 11', async () => {
    fake.expireToken('bar')
    const expired = await rejectionOf(client(1).access.getSpots())
    expect(expired).toMatchObject({ code: 'POSTER_AUTH', posterCode: 12, needsReauthorization: true })
    fake.revokeToken('bar')
    const revoked = await rejectionOf(client(1).access.getSpots())
    expect(revoked).toMatchObject({ code: 'POSTER_AUTH', posterCode: 11 })
    const unknown = createPosterClient({
      account: 'cafe',
      token: '1:ffffffffffffffffffffffffffffffff',
      baseUrl: fake.url,
    })
    expect(await rejectionOf(unknown.storage.getStorages())).toMatchObject({ posterCode: 11 })
  })

  it.each([20, 54])('code %i -> PosterPermissionError', async (code) => {
    fake.failNext({ error: code })
    const error = await rejectionOf(client().storage.getSuppliers())
    expect(error).toBeInstanceOf(PosterPermissionError)
    expect(error).toMatchObject({ code: 'POSTER_PERMISSION', posterCode: code })
  })

  it('a section the app was not granted answers 20', async () => {
    const kiosk = client(2)
    await expect(kiosk.menu.getProducts()).resolves.toBeInstanceOf(Array)
    expect(await rejectionOf(kiosk.storage.getStorages())).toBeInstanceOf(PosterPermissionError)
  })

  it('an unknown method (HTTP 405, code 30) is a PosterApiError', async () => {
    const error = await rejectionOf(client().call('storage.getIngredients'))
    expect(error).toMatchObject({ code: 'POSTER_API', posterCode: 30 })
  })

  it('429 after the retry budget -> PosterRateLimitError with Retry-After', async () => {
    fake.setFaults({ rateLimit: 1, retryAfter: '1s' })
    try {
      const error = await rejectionOf(client(0, { retry: { retries: 0 } }).storage.getStorages())
      expect(error).toBeInstanceOf(PosterRateLimitError)
      expect(error).toMatchObject({ code: 'POSTER_RATE_LIMITED', retryAfterMs: 1000 })
    } finally {
      fake.setFaults({})
    }
  })

  it('5xx after the retry budget -> PosterHttpError with the status', async () => {
    fake.failNext('server-error', { times: 3 })
    const error = await rejectionOf(client().storage.getStorages())
    expect(error).toBeInstanceOf(PosterHttpError)
    expect([500, 502, 503]).toContain((error as PosterHttpError).status)
  })

  it('no answer within timeout -> PosterTimeoutError', async () => {
    fake.failNext('hang', { times: 3 })
    const error = await rejectionOf(client(0, { timeout: 100 }).storage.getStorages())
    expect(error).toBeInstanceOf(PosterTimeoutError)
    expect(error).toMatchObject({ code: 'POSTER_TIMEOUT', timeoutMs: 100 })
  })

  it('a dropped connection -> PosterNetworkError with a cause', async () => {
    fake.failNext('disconnect', { times: 3 })
    const error = await rejectionOf(client().storage.getStorages())
    expect(error).toBeInstanceOf(PosterNetworkError)
    expect(error.cause).toBeInstanceOf(Error)
  })

  it('a schema mismatch -> PosterResponseError with zod issues and the method', async () => {
    const schema = z.array(z.object({ storage_id: z.number() }))
    const error = await rejectionOf(client().call('storage.getStorages', undefined, schema))
    expect(error).toBeInstanceOf(PosterResponseError)
    expect((error as PosterResponseError).method).toBe('storage.getStorages')
    expect((error as PosterResponseError).issues[0]!.path).toEqual([0, 'storage_id'])
  })

  it('malformed JSON after the retry budget -> PosterResponseError', async () => {
    fake.failNext('malformed-json', { times: 3 })
    const error = await rejectionOf(client().storage.getStorages())
    expect(error).toMatchObject({ code: 'POSTER_RESPONSE', issues: [] })
  })
})

describe('the token never leaks', () => {
  it('is absent from every error thrown above and from every event', async () => {
    const token = fake.accounts[0]!.token
    const secretPart = token.split(':')[1]!
    const failures: Array<() => void> = [
      () => fake.failNext({ error: 11 }),
      () => fake.failNext({ error: 42, shape: 'flat' }),
      () => fake.failNext('server-error', { times: 3 }),
      () => fake.failNext('disconnect', { times: 3 }),
      () => fake.failNext('hang', { times: 3 }),
      () => fake.failNext('malformed-json', { times: 3 }),
      () => fake.failNext('rate-limit', { times: 3 }),
    ]
    const errors: Error[] = []
    for (const arm of failures) {
      arm()
      errors.push(await rejectionOf(client(0, { timeout: 100 }).storage.getStorages()))
    }
    // A connection refused error carries the URL in some Node versions.
    const closed = createPosterClient({
      account: 'cafe',
      token,
      baseUrl: `http://127.0.0.1:${await freePort()}`,
      retry: false,
    })
    errors.push(await rejectionOf(closed.storage.getStorages()))
    expect(errors.map((e) => e.constructor.name)).toEqual([
      'PosterAuthError',
      'PosterApiError',
      'PosterHttpError',
      'PosterNetworkError',
      'PosterTimeoutError',
      'PosterResponseError',
      'PosterRateLimitError',
      'PosterNetworkError',
    ])
    for (const error of errors) {
      const text = exposed(error)
      expect(text).not.toContain(secretPart)
      expect(text).not.toContain(encodeURIComponent(token))
    }
    expect(events.length).toBeGreaterThan(20)
    expect(events.some((e) => e.type === 'request' && e.url.includes('token=[redacted]'))).toBe(true)
    expect(JSON.stringify(events)).not.toContain(secretPart)
  })

  it('rejects bad options before any request', () => {
    for (const options of [
      { account: 'cafe', token: 't', baseUrl: 'not a url' },
      { account: 'cafe', token: 't', timeout: 'soon' as '1s' },
      { account: 'cafe', token: 't', rateLimit: { perSecond: 0 } },
      { account: '', token: 't' },
    ]) {
      expect(() => createPosterClient(options)).toThrowError(
        expect.objectContaining({ code: 'POSTER_INVALID_ARGUMENT' }),
      )
    }
  })

  it('rejects a missing token before any request', () => {
    expect(() => createPosterClient({ account: 'cafe', token: '' })).toThrowError(
      expect.objectContaining({ code: 'POSTER_INVALID_ARGUMENT' }),
    )
  })
})
