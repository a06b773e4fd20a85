import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { TEST_REDIS_URL } from '@rc/test-services'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFakePoster, type FakePoster } from '../src/testing'
import { maxInWindow } from './helpers'
import { startWorker } from './worker-process'

const WORKERS = 4
const CALLS_PER_WORKER = 8
const PER_SECOND = 5
const prefix = `test:poster:mp:${randomUUID()}:`
const children = new Set<ChildProcess>()
let fake: FakePoster

beforeAll(async () => {
  fake = await createFakePoster({ accounts: 2, rateLimit: { perSecond: PER_SECOND } })
})
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  const redis = new Redis(TEST_REDIS_URL)
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length > 0) await redis.del(...keys)
  redis.disconnect()
  await fake.close()
})

/** Starts the workers, lets them go together once all are ready, and collects their errors. */
async function runWorkers(account: { account: string; token: string }, redisUrl: string | undefined) {
  const workers = Array.from({ length: WORKERS }, () => {
    const worker = startWorker<{ done?: boolean; errors?: string[] }>(
      'worker.ts',
      {
        FAKE_URL: fake.url,
        ACCOUNT: account.account,
        TOKEN: account.token,
        PREFIX: prefix,
        PER_SECOND: String(PER_SECOND),
        CALLS: String(CALLS_PER_WORKER),
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      },
      children,
    )
    return { ...worker, done: worker.done.then((m) => m.errors ?? []) }
  })
  await Promise.all(workers.map((w) => w.ready))
  const started = Date.now()
  for (const w of workers) w.child.send('go')
  const errors = (await Promise.all(workers.map((w) => w.done))).flat()
  return { errors, elapsedMs: Date.now() - started }
}

describe('4 processes share one account limit through Redis', () => {
  it('the fake never sees more than 5 requests in any second and never answers 429', async () => {
    const account = fake.accounts[0]!
    const { errors, elapsedMs } = await runWorkers(account, TEST_REDIS_URL)
    const seen = fake.requests.filter((r) => r.account === account.account)
    expect(errors).toEqual([])
    expect(seen).toHaveLength(WORKERS * CALLS_PER_WORKER)
    expect(seen.filter((r) => r.status === 429)).toHaveLength(0)
    expect(
      maxInWindow(
        seen.map((r) => r.at),
        1000,
      ),
    ).toBeLessThanOrEqual(PER_SECOND)
    // 32 calls at 5/s cannot finish before six full windows have passed.
    expect(elapsedMs).toBeGreaterThanOrEqual(((WORKERS * CALLS_PER_WORKER) / PER_SECOND - 1) * 1000)
  }, 120_000)

  it('control: the same workers with per-process memory limiters do exceed it (the check can fail)', async () => {
    const account = fake.accounts[1]!
    const { errors } = await runWorkers(account, undefined)
    const seen = fake.requests.filter((r) => r.account === account.account)
    expect(errors.filter((code) => code === 'POSTER_RATE_LIMITED').length).toBeGreaterThan(0)
    expect(seen.filter((r) => r.status === 429).length).toBeGreaterThan(0)
  }, 120_000)
})
