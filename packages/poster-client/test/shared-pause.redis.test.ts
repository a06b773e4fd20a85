import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { deleteRedisKeys, TEST_REDIS_URL } from '@rc/test-services'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFakePoster, type FakePoster } from '../src/testing'
import { startWorker } from './worker-process'

const RETRY_AFTER_MS = 2_000
const prefix = `test:poster:pause:${randomUUID()}:`
const children = new Set<ChildProcess>()
let fake: FakePoster

beforeAll(async () => {
  fake = await createFakePoster({ accounts: 2, faults: { retryAfter: RETRY_AFTER_MS } })
})
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  await deleteRedisKeys(`${prefix}*`)
  await fake.close()
})

interface Report {
  sent: number[]
  answers: Array<{ at: number; status: number }>
  errors: string[]
}

/** Two processes calling one account for 5 s; 1 s in, the fake answers one of them 429 + Retry-After 2. */
async function run(
  account: { account: string; token: string },
  redisUrl: string | undefined,
): Promise<Report[]> {
  const workers = Array.from({ length: 2 }, () => {
    return startWorker<Report & { done?: boolean }>(
      'pause-worker.ts',
      {
        FAKE_URL: fake.url,
        ACCOUNT: account.account,
        TOKEN: account.token,
        PREFIX: prefix,
        DURATION_MS: '5000',
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      },
      children,
    )
  })
  await Promise.all(workers.map((w) => w.ready))
  for (const w of workers) w.child.send('go')
  setTimeout(() => fake.failNext('rate-limit', { account: account.account }), 1_000)
  return Promise.all(workers.map((w) => w.done))
}

/** Requests either process sent in the pause that followed the 429, with 100 ms of slack at each end. */
function sentDuringPause(reports: Report[]): { pausedAt: number; during: number[]; after: number } {
  const limited = reports.flatMap((r) => r.answers).filter((a) => a.status === 429)
  expect(limited).toHaveLength(1)
  const pausedAt = limited[0]!.at
  const all = reports.flatMap((r) => r.sent)
  return {
    pausedAt,
    during: all.filter((t) => t > pausedAt + 100 && t < pausedAt + RETRY_AFTER_MS - 100),
    after: all.filter((t) => t >= pausedAt + RETRY_AFTER_MS).length,
  }
}

describe('a 429 with Retry-After seen by one process pauses the account in every process on the Redis store', () => {
  it('neither process sends to the account for the 2 s of Retry-After; both go on after it', async () => {
    const account = fake.accounts[0]!
    const reports = await run(account, TEST_REDIS_URL)
    const { during, after } = sentDuringPause(reports)
    expect(during).toEqual([])
    expect(after).toBeGreaterThan(0)
    // The fake saw the same gap.
    const seen = fake.requests.filter((r) => r.account === account.account)
    const limited = seen.find((r) => r.status === 429)!
    expect(seen.filter((r) => r.at > limited.at + 100 && r.at < limited.at + RETRY_AFTER_MS - 100)).toEqual(
      [],
    )
    expect(reports.every((r) => r.errors.length === 0)).toBe(true) // the one that got the 429 retried after it
  }, 60_000)

  it('control: with per-process memory stores, the other process keeps sending (the check can fail)', async () => {
    const reports = await run(fake.accounts[1]!, undefined)
    expect(sentDuringPause(reports).during.length).toBeGreaterThan(0)
  }, 60_000)
})
