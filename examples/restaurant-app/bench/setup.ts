import { randomBytes } from 'node:crypto'
import { createFakePoster, type FakePoster } from '@rc/poster-client/testing'
import { createTestDatabase, deleteRedisKeys, TEST_REDIS_URL, type TestDatabase } from '@rc/test-services'
import { loadConfig } from '../src/config'
import type { QueryPool } from '../src/infra/database'
import { createRuntime, type Runtime } from '../src/runtime'
import { seed } from '../src/seed'

export const RESTAURANTS = 100
/** Restaurant groups: each user manages ten restaurants, as a chain's manager would. */
export const USERS = 10
export const PASSWORD = 'bench-password-1'
/** What the fake Poster enforces per account, and what the app's limiter is told. */
export const POSTER_PER_MINUTE = 100
export const POSTER_PER_SECOND = 5

/** Plan limits far above anything the bench sends, so no request is ever 429'd by @rc/rate-tiers. */
export const BENCH_TIERS = Object.fromEntries(
  ['free', 'pro', 'enterprise'].map((tier) => [tier, { api: '100000000/1m', analysis: '100000/1h' }]),
)

export interface Setup {
  fake: FakePoster
  database: TestDatabase
  prefix: string
  /** The enqueuing side (an API instance's runtime, with no worker). */
  runtime: Runtime
  restaurants: Array<{ id: string; account: string; user: string }>
  users: string[]
  /** Environment of every child process (server, workers): the same deployment. */
  env: Record<string, string>
  versions: { node: string; postgres: string; redis: string }
  close(): Promise<void>
}

export interface SetupOptions {
  restaurants: number
  /** Each user manages `restaurants / users` of them. */
  users: number
  /** What the fake enforces per account; the app's limiter is told the same (per second: 5 when unset). */
  rateLimit: { perSecond?: number; perMinute?: number }
  label: string
}

/**
 * A throwaway database and Redis key prefix, a fake Poster with 100 accounts enforcing
 * 100 requests/min each (by default), and the app migrated and seeded with a restaurant per account.
 */
export async function setUp(
  options: SetupOptions = {
    restaurants: RESTAURANTS,
    users: USERS,
    rateLimit: { perMinute: POSTER_PER_MINUTE },
    label: 'app',
  },
): Promise<Setup> {
  const database = await createTestDatabase(`bench_${options.label}`)
  const prefix = `bench-${options.label}-${randomBytes(4).toString('hex')}`
  const fake = await createFakePoster({
    accounts: Array.from({ length: options.restaurants }, (_, i) => `bench${i}`),
    seed: 11,
    rateLimit: options.rateLimit,
  })
  const perRestaurantUser = options.restaurants / options.users
  const idWidth = Math.max(3, String(options.restaurants - 1).length)
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    TOKEN_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    POSTER_APP_SECRET: fake.application.secret,
    KEY_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    RATE_TIERS: JSON.stringify(BENCH_TIERS),
    POSTER_PER_SECOND: String(options.rateLimit.perSecond ?? POSTER_PER_SECOND),
    ...(options.rateLimit.perMinute ? { POSTER_PER_MINUTE: String(options.rateLimit.perMinute) } : {}),
  }
  let runtime: Runtime | undefined
  try {
    runtime = await createRuntime(loadConfig({ ...env, WORKER: 'off' }))
    const restaurants = fake.accounts.map((a, i) => ({
      id: `r${String(i).padStart(idWidth, '0')}`,
      account: a.account,
      user: `group${Math.floor(i / perRestaurantUser)}@bench.example`,
    }))
    const users = [...new Set(restaurants.map((r) => r.user))]
    await seed(runtime.owner as QueryPool, runtime.cipher, {
      restaurants: restaurants.map((r, i) => ({
        id: r.id,
        name: `Bench restaurant ${i}`,
        posterAccount: r.account,
        token: fake.accounts[i]!.token,
        posterBaseUrl: fake.url,
      })),
      users: users.map((email) => ({
        email,
        name: email.split('@')[0]!,
        password: PASSWORD,
        roles: Object.fromEntries(restaurants.filter((r) => r.user === email).map((r) => [r.id, 'manager'])),
      })),
    })
    const ready = runtime
    const { rows } = await (runtime.owner as QueryPool).query<{ v: string }>(
      "SELECT current_setting('server_version') AS v",
    )
    const info = (await runtime.redis?.info('server')) ?? ''
    const versions = {
      node: process.versions.node,
      postgres: rows[0]?.v.split(' ')[0] ?? '?',
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? '?',
    }
    return {
      fake,
      database,
      prefix,
      runtime: ready,
      restaurants,
      users,
      env,
      versions,
      async close() {
        await ready.close()
        await fake.close()
        await database.drop()
        await deleteRedisKeys(`*${prefix}*`)
      },
    }
  } catch (error) {
    await runtime?.close().catch(() => {})
    await fake.close()
    await database.drop()
    await deleteRedisKeys(`*${prefix}*`) // cache, sessions, limiters and BullMQ all live under it
    throw error
  }
}
