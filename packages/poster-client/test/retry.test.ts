import { freePort } from '@rc/test-services'
import fc from 'fast-check'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { backoffDelay, parseRetryAfter } from '../src/client/retry'
import { createPosterClient, type PosterClientEvent, PosterHttpError } from '../src/index'
import { createFakePoster, type FakePoster } from '../src/testing'
import { rejectionOf } from './helpers'

let fake: FakePoster

beforeAll(async () => {
  fake = await createFakePoster({ accounts: 1 })
})
afterAll(() => fake.close())
beforeEach(() => fake.resetFaults())

function client(extra: Partial<Parameters<typeof createPosterClient>[0]> = {}) {
  const { account, token } = fake.accounts[0]!
  return createPosterClient({
    account,
    token,
    baseUrl: fake.url,
    rateLimit: { perSecond: 1000, maxConcurrent: 20 },
    retry: { retries: 4, minDelay: 1, maxDelay: 10 },
    ...extra,
  })
}

const supply = {
  supply: { date: '2026-03-01 09:00:00', supplier_id: 2, storage_id: 1 },
  ingredient: [{ id: 1, type: 4 as const, num: 1, sum: 10 }],
}

function callsTo(method: string, since: number) {
  return fake.requests.slice(since).filter((r) => r.method === method)
}

describe('retries', () => {
  it('a GET survives 5xx, 429, dropped connections, timeouts and cut JSON', async () => {
    for (const fault of ['server-error', 'rate-limit', 'disconnect', 'hang', 'malformed-json'] as const) {
      const since = fake.requests.length
      fake.failNext(fault, { times: 2 })
      fake.setFaults({ retryAfter: 0 })
      const storages = await client({ timeout: 200 }).storage.getStorages()
      expect(storages.length).toBeGreaterThan(0)
      expect(callsTo('storage.getStorages', since)).toHaveLength(3)
    }
  })

  it('honours Retry-After even when it exceeds the backoff', async () => {
    fake.setFaults({ retryAfter: '1s' })
    fake.failNext('rate-limit')
    const started = Date.now()
    await client().storage.getStorages()
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
  })

  it('stops after `retries` and reports each retry as an event', async () => {
    const events: PosterClientEvent[] = []
    const since = fake.requests.length
    fake.failNext('server-error', { times: 10 })
    const error = await rejectionOf(client({ onEvent: (e) => events.push(e) }).storage.getStorages())
    expect(error).toBeInstanceOf(PosterHttpError)
    expect(callsTo('storage.getStorages', since)).toHaveLength(5)
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { attempt: number }).attempt)).toEqual([
      1, 2, 3, 4,
    ])
    fake.clearRequests()
  })

  it('stops when the next delay would pass maxElapsed', async () => {
    fake.setFaults({ retryAfter: '2s' })
    fake.failNext('rate-limit', { times: 10 })
    const since = fake.requests.length
    const started = Date.now()
    const error = await rejectionOf(
      client({ retry: { retries: 10, maxElapsed: '1s' } }).storage.getStorages(),
    )
    expect(error).toMatchObject({ code: 'POSTER_RATE_LIMITED' })
    expect(Date.now() - started).toBeLessThan(1000)
    expect(callsTo('storage.getStorages', since)).toHaveLength(1)
  })

  it('never retries a POST that may have reached Poster', async () => {
    for (const fault of ['server-error', 'rate-limit', 'disconnect', 'malformed-json'] as const) {
      const since = fake.requests.length
      fake.setFaults({ retryAfter: 0 })
      fake.failNext(fault, { times: 1, method: 'storage.createSupply' })
      await rejectionOf(client().storage.createSupply(supply))
      expect(callsTo('storage.createSupply', since)).toHaveLength(1)
    }
  })

  it('retries a POST marked idempotent', async () => {
    const since = fake.requests.length
    fake.failNext('server-error', { times: 2, method: 'storage.createSupply' })
    const id = await client().storage.createSupply(supply, { idempotent: true })
    expect(typeof id).toBe('number')
    expect(callsTo('storage.createSupply', since)).toHaveLength(3)
  })

  it('retries a POST whose connection was refused (it never reached Poster)', async () => {
    const events: PosterClientEvent[] = []
    const refused = createPosterClient({
      account: 'x',
      token: 'x:1',
      baseUrl: `http://127.0.0.1:${await freePort()}`,
      retry: { retries: 2, minDelay: 1, maxDelay: 2 },
      onEvent: (e) => events.push(e),
    })
    expect(await rejectionOf(refused.storage.createSupply(supply))).toMatchObject({ code: 'POSTER_NETWORK' })
    expect(events.filter((e) => e.type === 'request')).toHaveLength(3)
  })

  it('does not retry Poster error bodies (they are answers, not accidents)', async () => {
    const since = fake.requests.length
    fake.failNext({ error: 44, message: 'Save failed' })
    await rejectionOf(client().storage.getStorages())
    expect(callsTo('storage.getStorages', since)).toHaveLength(1)
  })

  it('an AbortSignal cancels the backoff', async () => {
    fake.setFaults({ retryAfter: '5s' })
    fake.failNext('rate-limit')
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const started = Date.now()
    const error = await rejectionOf(client().storage.getStorages({ signal: controller.signal }))
    expect(error).toMatchObject({ code: 'POSTER_ABORTED', method: 'storage.getStorages' })
    expect(Date.now() - started).toBeLessThan(2000)
    fake.setFaults({})
  })
})

describe('backoff', () => {
  it('full jitter stays within [0, min(maxDelay, minDelay * 2^attempt))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (minDelayMs, maxDelayMs, attempt, draw) => {
          const delay = backoffDelay(
            { retries: 5, minDelayMs, maxDelayMs, maxElapsedMs: 1e9 },
            attempt,
            () => draw,
          )
          const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** attempt)
          return delay >= 0 && delay <= ceiling && (draw === 0 || ceiling < 1 || delay <= ceiling)
        },
      ),
    )
  })

  it('spreads delays over the whole range (not a fixed sleep)', () => {
    const delays = Array.from({ length: 2000 }, () =>
      backoffDelay({ retries: 5, minDelayMs: 100, maxDelayMs: 10_000, maxElapsedMs: 1e9 }, 3),
    )
    expect(Math.min(...delays)).toBeLessThan(80)
    expect(Math.max(...delays)).toBeGreaterThan(720)
    expect(Math.max(...delays)).toBeLessThanOrEqual(800)
  })

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000)
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 7_000)).toBe(3000)
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter(null)).toBeUndefined()
  })
})
