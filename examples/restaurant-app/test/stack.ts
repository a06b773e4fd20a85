import { randomBytes } from 'node:crypto'
import { createFakePoster, type FakePoster, type FakePosterOptions } from '@rc/poster-client/testing'
import { createTestDatabase, deleteRedisKeys, TEST_REDIS_URL, type TestDatabase } from '@rc/test-services'
import type { FastifyInstance } from 'fastify'
import { type AppConfig, loadConfig } from '../src/config'
import { buildApp } from '../src/http/app'
import type { QueryPool } from '../src/infra/database'
import { posterOAuthOfFake } from '../src/onboarding/endpoints'
import type { Role } from '../src/restaurants/roles'
import { createRuntime, type Runtime } from '../src/runtime'
import { type SeedUser, seed } from '../src/seed'

export const PASSWORD = 'correct horse battery staple'
/** The ops token every stack is started with (`/metrics`, `/health/detailed`, `/api/cache-status`). */
export const OPS_TOKEN = 'test-ops-token-0123456789abcdef'
export const ops = { authorization: `Bearer ${OPS_TOKEN}` }
const TOKEN_KEY = randomBytes(32).toString('base64')

export interface Stack {
  app: FastifyInstance
  runtime: Runtime
  fake: FakePoster
  owner: QueryPool
  database: TestDatabase
  prefix: string
  /** Restaurant ids, one per fake account, in order. */
  restaurants: string[]
  login(email: string, password?: string): Promise<string>
  /** Another app instance on the same database, Redis and config (a second server behind the balancer). */
  instance(): Promise<Instance>
  /** Waits for a job to finish; fails past `timeoutMs`. */
  waitForJob(
    jobId: string,
    timeoutMs?: number,
  ): Promise<{ state: string; progress: number; failedReason?: string }>
  close(): Promise<void>
}

export interface Instance {
  app: FastifyInstance
  runtime: Runtime
  close(): Promise<void>
}

export interface StackOptions {
  label: string
  restaurants?: number
  tiers?: string[]
  users?: SeedUser[]
  fake?: FakePosterOptions
  env?: Record<string, string>
  config?: Partial<AppConfig>
  /** Where the runtime's pino lines go (default stdout); the telemetry test reads them. */
  logStream?: { write(line: string): void }
}

/**
 * The app on real PostgreSQL (a database of its own) and Redis (a key prefix of
 * its own, BullMQ included) against a fake Poster, seeded with restaurants r0..rN.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const count = options.restaurants ?? 3
  const database = await createTestDatabase(`app_${options.label}`)
  const prefix = `t-${options.label}-${randomBytes(4).toString('hex')}`
  const restaurants = Array.from({ length: count }, (_, i) => `r${i}`)
  const fake = await createFakePoster({
    accounts: restaurants.map((r) => `acct-${r}`),
    seed: 7,
    ...options.fake,
  })
  const config = loadConfig(
    {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      TOKEN_KEYS: `test:${TOKEN_KEY}`,
      POSTER_APP_SECRET: fake.application.secret,
      KEY_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      POSTER_PER_SECOND: '50',
      OPS_TOKEN,
      // Every injected request comes from 127.0.0.1: one source. The throttling tests set their own limits.
      LOGIN_LIMITS: JSON.stringify({ source: '1000/15m', global: '10000/1m' }),
      ...options.env,
    },
    options.config,
  )
  const runtime = await createRuntime(config, options.logStream ? { logStream: options.logStream } : {})
  const owner = runtime.owner as QueryPool
  await seed(owner, runtime.cipher, {
    restaurants: restaurants.map((id, i) => ({
      id,
      name: `Restaurant ${i}`,
      posterAccount: `acct-${id}`,
      token: (fake.accounts[i] as { token: string }).token,
      posterBaseUrl: fake.url,
      tier: options.tiers?.[i] ?? 'free',
    })),
    users: options.users ?? [],
  })
  const app = await buildApp(runtime, { oauth: posterOAuthOfFake(fake) })
  await app.ready()

  return {
    app,
    runtime,
    fake,
    owner,
    database,
    prefix,
    restaurants,
    async login(email, password = PASSWORD) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email, password },
      })
      if (response.statusCode !== 200)
        throw new Error(`login ${email}: ${response.statusCode} ${response.body}`)
      return response.json().token as string
    },
    async instance() {
      const other = await createRuntime(config)
      const otherApp = await buildApp(other, { oauth: posterOAuthOfFake(fake) })
      await otherApp.ready()
      return {
        app: otherApp,
        runtime: other,
        async close() {
          await otherApp.close()
          await other.close()
        },
      }
    },
    async waitForJob(jobId, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const job = await runtime.jobs.get(jobId)
        if (job && (job.state === 'completed' || job.state === 'failed')) return job as never
        if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job?.state} after ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    async close() {
      await app.close()
      await runtime.close()
      await fake.close()
      await database.drop()
      await deleteRedisKeys(`*${prefix}*`)
    },
  }
}

export function user(email: string, roles: Record<string, Role>, platformAdmin = false): SeedUser {
  return { email, name: email.split('@')[0] as string, password: PASSWORD, roles, platformAdmin }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
