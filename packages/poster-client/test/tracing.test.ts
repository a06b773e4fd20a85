import { recordTraces, type TraceRecorder, trace, tracer } from '@rc/internal'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createPosterClient, PosterHttpError, posterChannels } from '../src/index'
import { createFakePoster, type FakePoster } from '../src/testing'
import { rejectionOf } from './helpers'

let fake: FakePoster
let rec: TraceRecorder
const names = [...Object.values(posterChannels), 'rc:test:parent']

beforeAll(async () => {
  fake = await createFakePoster({ accounts: 2 })
})
afterAll(() => fake.close())
beforeEach(() => {
  fake.resetFaults()
  rec = recordTraces(names)
})
afterEach(() => {
  // Whatever happened, no context (errors included) carried a token, raw or URL-encoded.
  const seen = rec.serialized()
  for (const { token } of fake.accounts) {
    expect(seen).not.toContain(token)
    expect(seen).not.toContain(encodeURIComponent(token))
  }
  rec.stop()
})

function client(extra: Partial<Parameters<typeof createPosterClient>[0]> = {}, index = 0) {
  const { account, token } = fake.accounts[index]!
  return createPosterClient({
    account,
    token,
    baseUrl: fake.url,
    rateLimit: { perSecond: 1000, maxConcurrent: 20 },
    retry: { retries: 4, minDelay: 1, maxDelay: 10 },
    ...extra,
  })
}

describe('poster-client tracing channels', () => {
  it('a call: account, method, redacted URL; limiter and attempt nested in it, with status', async () => {
    const poster = client()
    const parent = tracer<{ name: string }>('rc:test:parent')
    await trace(parent, { name: 'sync job' }, () => poster.storage.getStorages())
    const [call] = rec.contexts(posterChannels.call)
    const [limiter] = rec.contexts(posterChannels.limiter)
    const [attempt] = rec.contexts(posterChannels.attempt)
    expect(call).toMatchObject({
      account: poster.account,
      method: 'storage.getStorages',
      httpMethod: 'GET',
      status: 200,
      attempts: 1,
    })
    expect(call!.url).toBe(`${fake.url}/api/storage.getStorages?token=REDACTED`)
    expect(rec.eventsOf(call!)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
    expect(call!.result).toBeUndefined()
    expect(attempt).toMatchObject({ attempt: 1, status: 200, willRetry: false, url: call!.url })
    expect(limiter).toMatchObject({ account: poster.account, method: 'storage.getStorages' })
    expect(limiter!.waitedMs).toEqual(expect.any(Number))
    expect(rec.parentOf(call!)?.channel).toBe('rc:test:parent')
    expect(rec.parentOf(limiter!)?.context).toBe(call)
    expect(rec.parentOf(attempt!)?.context).toBe(call)
  })

  it('a 429 then a 5xx: three attempts, each with status, Retry-After and whether it retries', async () => {
    fake.setFaults({ retryAfter: '1s' })
    fake.failNext('rate-limit')
    fake.failNext('server-error')
    await client().storage.getStorages()
    const [call] = rec.contexts(posterChannels.call)
    const attempts = rec.contexts(posterChannels.attempt)
    expect(call).toMatchObject({ status: 200, attempts: 3 })
    expect(attempts.map((a) => [a.attempt, a.willRetry])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ])
    expect(attempts[0]).toMatchObject({ status: 429, retryAfterMs: 1000 })
    expect(attempts[1]!.status).toBeGreaterThanOrEqual(500)
    expect(attempts[1]).not.toHaveProperty('retryAfterMs')
    expect(rec.eventsOf(attempts[0]!)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
    expect(attempts[0]!.error).toMatchObject({ code: 'POSTER_RATE_LIMITED' })
    expect(rec.eventsOf(attempts[2]!)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
    for (const a of attempts) expect(rec.parentOf(a)?.context).toBe(call)
    // Each attempt consulted the limiter, inside the call.
    const limits = rec.contexts(posterChannels.limiter)
    expect(limits).toHaveLength(3)
    for (const l of limits) expect(rec.parentOf(l)?.context).toBe(call)
  })

  it('the limiter wait of a call queued behind another shows as waitedMs', async () => {
    const poster = client({ rateLimit: { perSecond: 1, maxConcurrent: 1 } }, 1)
    await Promise.all([poster.storage.getStorages(), poster.storage.getStorages()])
    const waits = rec
      .contexts(posterChannels.limiter)
      .map((c) => c.waitedMs as number)
      .sort((a, b) => a - b)
    expect(waits).toHaveLength(2)
    expect(waits[0]).toBeLessThan(500)
    expect(waits[1]).toBeGreaterThanOrEqual(500)
  })

  it('a call that fails for good publishes its error on the call and on the last attempt', async () => {
    fake.failNext('server-error', { times: 10 })
    const error = await rejectionOf(
      client({ retry: { retries: 1, minDelay: 1, maxDelay: 2 } }).storage.getStorages(),
    )
    expect(error).toBeInstanceOf(PosterHttpError)
    const [call] = rec.contexts(posterChannels.call)
    expect(rec.eventsOf(call!)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
    expect(call!.error).toBe(error)
    expect(call).toMatchObject({ attempts: 2 })
    const attempts = rec.contexts(posterChannels.attempt)
    expect(attempts.map((a) => a.willRetry)).toEqual([true, false])
    expect(attempts[1]!.error).toBe(error)
  })
})
