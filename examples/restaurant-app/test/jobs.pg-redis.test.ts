import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config'
import { createRuntime, type Runtime } from '../src/runtime'
import { type Stack, startStack } from './stack'

let stack: Stack
const extra: Runtime[] = []
let worker: ChildProcess | undefined

beforeAll(async () => {
  stack = await startStack({
    label: 'jobs',
    restaurants: 4,
    // This instance serves HTTP only: jobs run in the worker processes started below.
    env: { WORKER: 'off', SYNC_INTERVAL: '4s', POSTER_PER_SECOND: '5' },
    fake: { rateLimit: { perSecond: 5 } },
  })
}, 60_000)

afterAll(async () => {
  if (worker?.pid && worker.exitCode === null) worker.kill('SIGKILL')
  for (const runtime of extra) await runtime.close()
  await stack?.close()
})

const context = (id: string) => ({ id, attempt: 1, progress: async () => {} })

describe('background jobs', () => {
  it('runs in a separate worker process started from the same code (src/worker.ts)', async () => {
    const env = { ...process.env, ...envOf(stack) }
    worker = spawn(process.execPath, ['--conditions=@rc/source', '--import', 'tsx', 'src/worker.ts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    worker.stderr?.on('data', (c: Buffer) => {
      output += c.toString()
    })
    const { id } = await stack.runtime.jobs.enqueueSync({ restaurantId: 'r0', reason: 'manual' })
    const job = await stack.waitForJob(id, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\nworker stderr:\n${output}`)
    })
    expect(job.state).toBe('completed')
    expect((await stack.runtime.control.restaurants.get('r0'))?.status).toBe('ok')
    const stopped = new Promise<number | null>((resolve) => worker?.on('exit', (code) => resolve(code)))
    worker.kill('SIGTERM')
    expect(await stopped).toBe(0)
  }, 90_000)

  it('shares each Poster account limit across workers: two workers, one account, no 429', async () => {
    for (let i = 0; i < 2; i++) {
      const runtime = await createRuntime(
        loadConfig({ ...envOf(stack), WORKER: 'on', WORKER_CONCURRENCY: '4' }),
      )
      extra.push(runtime)
    }
    stack.fake.clearRequests()
    // Different scopes are different jobs, so both workers call Poster for r1 at once.
    const scopes = [
      ['suppliers'],
      ['categories'],
      ['products'],
      ['storages'],
      ['ingredients'],
      ['stock'],
    ] as const
    const jobs = await Promise.all(
      scopes.map((scope) =>
        stack.runtime.jobs.enqueueSync({ restaurantId: 'r1', scope: [...scope], reason: 'webhook' }),
      ),
    )
    const results = await Promise.all(jobs.map((j) => stack.waitForJob(j.id, 60_000)))
    expect(results.map((r) => r.state)).toEqual(results.map(() => 'completed'))
    const calls = stack.fake.requests.filter((r) => r.account === 'acct-r1')
    expect(calls.length).toBeGreaterThanOrEqual(10)
    expect(calls.filter((r) => r.outcome === 'rate-limited')).toEqual([])
    // Never more than 5 in any second, as the fake saw them.
    const times = calls.map((r) => r.at).sort((a, b) => a - b)
    for (let i = 5; i < times.length; i++)
      expect((times[i] as number) - (times[i - 5] as number)).toBeGreaterThanOrEqual(990)
  }, 90_000)

  it('schedules: sync-all spreads every active restaurant over the interval', async () => {
    const started = Date.now()
    const result = (await stack.runtime.handlers.syncAll(context('sync-all-test'))) as { restaurants: number }
    expect(result.restaurants).toBe(4)
    // 4 restaurants over 80 % of 4 s: due at 0, 0.8, 1.6 and 2.4 s.
    const deadline = Date.now() + 30_000
    let synced: Date[] = []
    while (Date.now() < deadline) {
      const all = await stack.runtime.control.restaurants.list()
      synced = all.map((r) => r.lastSyncAt).filter((d): d is Date => d !== null && d.getTime() >= started)
      if (synced.length === 4) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(synced).toHaveLength(4)
    const spread = Math.max(...synced.map((d) => d.getTime())) - Math.min(...synced.map((d) => d.getTime()))
    expect(spread).toBeGreaterThan(1_500) // staggered, not all at once
  }, 60_000)

  it('token check: marks refused tokens for re-authorisation and warns before the two-year end', async () => {
    stack.fake.expireToken('acct-r2')
    await stack.owner.query(
      `UPDATE control.restaurants SET token_issued_at = now() - interval '710 days' WHERE id = 'r3'`,
    )
    const result = await stack.runtime.handlers.tokenCheck(context('token-check-test'))
    expect(result).toEqual({ checked: 4, expiring: 1, invalid: 1 })
    const r2 = await stack.runtime.control.restaurants.get('r2')
    const r3 = await stack.runtime.control.restaurants.get('r3')
    expect(r2?.status).toBe('needs_reauth')
    expect(r3?.status).toBe('token_expiring')
    expect(r3?.lastError).toMatch(/expires in (19|20) days/)
    // A restaurant that needs re-authorisation is not synced (Poster would refuse every call).
    const skipped = await stack.runtime.handlers.sync(
      { restaurantId: 'r2', reason: 'manual' },
      context('skip'),
    )
    expect(skipped).toMatchObject({ skipped: 'needs_reauth' })
    const all = (await stack.runtime.handlers.syncAll(context('after'))) as { restaurants: number }
    expect(all.restaurants).toBe(3)
  }, 60_000)
})

function envOf(s: Stack): Record<string, string> {
  const c = s.runtime.config
  const keys = Object.entries(c.tokenKeys.keys).map(([id, key]) => `${id}:${key}`)
  return {
    DATABASE_URL: c.databaseUrl as string,
    REDIS_URL: c.redisUrl as string,
    TOKEN_KEYS: keys.join(','),
    POSTER_APP_SECRET: c.posterAppSecret,
    KEY_PREFIX: c.keyPrefix,
    LOG_LEVEL: 'warn',
    POSTER_PER_SECOND: '5',
    SYNC_INTERVAL: '4s',
  }
}
