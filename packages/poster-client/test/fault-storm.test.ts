import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPosterClient, memoryRateLimitStore, PosterError, storagesSchema } from '../src/index'
import { createFakePoster, type FakePoster } from '../src/testing'

const GETS = 80
const POSTS = 30
const RETRIES = 6
const EXPECTED_ERROR: Record<string, string> = {
  'server-error': 'POSTER_HTTP',
  'rate-limit': 'POSTER_RATE_LIMITED',
  slow: 'POSTER_TIMEOUT',
  'malformed-json': 'POSTER_RESPONSE',
}

let fake: FakePoster
beforeAll(async () => {
  fake = await createFakePoster({
    accounts: 1,
    seed: 42,
    // The storm: 20% 5xx, 10% 429 with Retry-After, 5% slow past the timeout, 2% cut JSON.
    faults: {
      serverError: 0.2,
      rateLimit: 0.1,
      slow: 0.05,
      malformedJson: 0.02,
      slowDelay: '5s',
      retryAfter: '1s',
    },
  })
})
afterAll(() => fake.close())

describe('fault storm', () => {
  it('every GET succeeds within the budget or fails with the error of its last fault; POSTs are never repeated unless idempotent', async () => {
    const { account, token } = fake.accounts[0]!
    const store = memoryRateLimitStore()
    // One client per GET (sharing one limiter store) so each call's retry reasons can be told apart.
    const retryReasons = new Map<number, string[]>()
    const clientFor = (probe?: number) =>
      createPosterClient({
        account,
        token,
        baseUrl: fake.url,
        timeout: '2s',
        rateLimit: { perSecond: 200, maxConcurrent: 20, store },
        retry: { retries: RETRIES, minDelay: '20ms', maxDelay: '400ms', maxElapsed: '30s' },
        onEvent: (e) => {
          if (probe !== undefined && e.type === 'retry')
            retryReasons.set(probe, [...(retryReasons.get(probe) ?? []), e.reason])
        },
      })
    const poster = clientFor()
    const gets = Array.from({ length: GETS }, (_, probe) =>
      clientFor(probe)
        .call('storage.getStorages', { probe }, storagesSchema)
        .then(
          (value) => ({ probe, value, error: undefined }),
          (error: unknown) => ({ probe, value: undefined, error }),
        ),
    )
    const posts = Array.from({ length: POSTS }, (_, i) => {
      const idempotent = i % 2 === 0
      return poster.storage
        .createSupply(
          {
            supply: {
              date: '2026-04-01 08:00:00',
              supplier_id: 2,
              storage_id: 1,
              supply_comment: `storm-${i}`,
            },
            ingredient: [{ id: 1, type: 4, num: 1, sum: 5 }],
          },
          { idempotent },
        )
        .then(
          () => ({ i, idempotent, ok: true }),
          () => ({ i, idempotent, ok: false }),
        )
    })
    const getResults = await Promise.all(gets)
    const postResults = await Promise.all(posts)

    let succeeded = 0
    for (const { probe, value, error } of getResults) {
      const attempts = fake.requests.filter(
        (r) => r.method === 'storage.getStorages' && r.params.probe === String(probe),
      )
      expect(attempts.length).toBeGreaterThanOrEqual(1)
      expect(attempts.length).toBeLessThanOrEqual(RETRIES + 1)
      // Each retry followed the fault the fake injected into that attempt. A starved client may also
      // time out before an answer the fake sent in time is read: that is a genuine timeout.
      const reasons = retryReasons.get(probe) ?? []
      expect(reasons).toHaveLength(attempts.length - 1)
      const matches = (outcome: string, code: string) =>
        EXPECTED_ERROR[outcome] === code || code === 'POSTER_TIMEOUT'
      for (const [k, earlier] of attempts.slice(0, -1).entries()) {
        expect(matches(earlier.outcome, reasons[k]!), `${earlier.outcome} -> ${reasons[k]}`).toBe(true)
      }
      const last = attempts[attempts.length - 1]!
      if (error === undefined) {
        succeeded++
        expect(last.outcome).toBe('ok')
        expect(value!.length).toBeGreaterThan(0)
      } else {
        expect(error).toBeInstanceOf(PosterError)
        expect(
          matches(last.outcome, (error as PosterError).code),
          `${last.outcome} -> ${(error as PosterError).code}`,
        ).toBe(true)
      }
    }
    // With a 37% fault rate and 7 attempts, a GET fails about once in 1000.
    expect(succeeded).toBeGreaterThanOrEqual(GETS - 3)
    expect(fake.requests.filter((r) => r.outcome !== 'ok').length).toBeGreaterThan(GETS * 0.2)
    const seenReasons = new Set([...retryReasons.values()].flat())
    for (const code of ['POSTER_HTTP', 'POSTER_RATE_LIMITED', 'POSTER_TIMEOUT'])
      expect(seenReasons).toContain(code)

    for (const { i, idempotent, ok } of postResults) {
      const sent = fake.requests.filter(
        (r) =>
          r.method === 'storage.createSupply' &&
          (r.body as { supply?: { supply_comment?: string } }).supply?.supply_comment === `storm-${i}`,
      )
      if (!idempotent) expect(sent).toHaveLength(1)
      else expect(sent.length).toBeGreaterThanOrEqual(1)
      if (ok) expect(sent[sent.length - 1]!.outcome).toBe('ok')
    }
    const repeated = postResults
      .filter((p) => p.idempotent)
      .some(
        ({ i }) =>
          fake.requests.filter(
            (r) =>
              (r.body as { supply?: { supply_comment?: string } })?.supply?.supply_comment === `storm-${i}`,
          ).length > 1,
      )
    expect(repeated).toBe(true)
  }, 120_000)
})
