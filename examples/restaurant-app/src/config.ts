import { fileURLToPath } from 'node:url'
import { parseDuration } from '@rc/cache'
import { z } from 'zod'

const tierLimits = z.object({ api: z.string(), analysis: z.string() })
const loginLimits = z.object({
  source: z.string(),
  global: z.string(),
  account: z.string(),
  device: z.string(),
})
export type LoginLimits = z.output<typeof loginLimits>

/**
 * Login throttling (OWASP): every attempt without a device cookie counts against its source and a global
 * budget; failures count against the account. A device that logged in to the account before has its own
 * failure budget instead, so an attacker cannot lock its owner out.
 */
export const defaultLoginLimits: LoginLimits = {
  source: '30/15m',
  global: '1000/1m',
  account: '10/15m',
  device: '10/15m',
}

/** Plans sold to restaurants: general API and expensive analysis calls. */
export const defaultTiers = {
  free: { api: '20/1m', analysis: '10/1h' },
  pro: { api: '100/1m', analysis: '100/1h' },
  enterprise: { api: '500/1m', analysis: '1000/1h' },
} as const

const duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text, 'the value')
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message })
    return z.NEVER
  }
})

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  /** The app's own login (a non-owner role); default: DATABASE_URL with the user replaced by rc_app. */
  APP_DATABASE_URL: z.string().url().optional(),
  REDIS_URL: z.string().url().optional(),
  /** Embedded mode: where PGlite (and the fake Poster) keep their data; `:memory:` keeps nothing. */
  DATA_DIR: z.string().min(1).optional(),
  /** Prefix of every Redis key and queue this deployment writes. */
  KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/)
    .default('rc-app'),
  POSTER_BASE_URL: z.string().url().optional(),
  /** This site as its users reach it (`https://ops.example.com`): invitation links, Poster's OAuth redirect. */
  PUBLIC_URL: z
    .string()
    .url()
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  POSTER_APP_SECRET: z.string().min(8).optional(),
  /** Your Poster application's id: turns on self-service onboarding ("Connect your Poster account"). */
  POSTER_APPLICATION_ID: z
    .string()
    .regex(/^\d{1,20}$/, 'must be the numeric id of your Poster application')
    .optional(),
  /** Where owners grant access (Poster's authorize page). */
  POSTER_AUTH_URL: z.string().url().default('https://joinposter.com'),
  /** 32-byte keys, base64: `TOKEN_KEYS=k1:<base64>,k2:<base64>`; the last one encrypts. */
  TOKEN_KEYS: z.string().optional(),
  POSTER_PER_SECOND: z.coerce.number().positive().default(4),
  POSTER_PER_MINUTE: z.coerce.number().positive().optional(),
  /** Per attempt; Poster's first call after idle has taken 5 s. */
  POSTER_TIMEOUT: duration.default(20_000),
  /** Failed syncs in a row (Poster 5xx, timeouts) after which an account's syncs back off. */
  POSTER_BREAKER_FAILURES: z.coerce.number().int().positive().default(3),
  /** First back-off of an account past POSTER_BREAKER_FAILURES; doubles while it keeps failing. */
  POSTER_BREAKER_COOLDOWN: duration.default(60_000),
  /** Longest back-off of one account. */
  POSTER_BREAKER_MAX: duration.default(30 * 60_000),
  /** How long a worker holds a received order's supply while it sends it; past it another may take over. */
  SUPPLY_LEASE: duration.default(2 * 60_000),
  /** Webhook requests per source address (Poster sends every restaurant's from a few): `<n>/<window>`. */
  WEBHOOK_RATE_LIMIT: z.string().default('12000/1m'),
  /** `off` runs no worker in this process (API only); `only` is set by src/worker.ts. */
  WORKER: z.enum(['on', 'off']).default('on'),
  /**
   * Sync jobs at once per worker process. A job mostly waits on its account's Poster pacing while it holds
   * a slot (and a database connection only for its final write): size it to the accounts synced at once.
   */
  WORKER_CONCURRENCY: z.coerce.number().int().positive().optional(),
  SYNC_INTERVAL: duration.default(30 * 60_000),
  CACHE: z.enum(['on', 'off']).default('on'),
  RATE_TIERS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined
      try {
        return z.record(z.string(), tierLimits).parse(JSON.parse(text))
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `RATE_TIERS must be JSON like {"free":{"api":"20/1m","analysis":"10/1h"}}: ${String(error)}`,
        })
        return z.NEVER
      }
    }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `production`: cookies always `Secure`, `/docs` off unless `DOCS=on`. */
  NODE_ENV: z.string().optional(),
  /** Which proxies may set X-Forwarded-For/-Proto/-Host: `true`, a hop count, or IPs/CIDRs (comma-separated). */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((text): boolean | number | string => {
      if (text === 'true' || text === 'false') return text === 'true'
      return /^\d+$/.test(text) ? Number(text) : text
    }),
  DOCS: z.enum(['on', 'off']).optional(),
  /** Bearer token for /metrics, /health/detailed, /api/cache-status (and /docs); open without it only embedded. */
  OPS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Login throttling, each a rate such as `30/15m`; see the README. */
  LOGIN_LIMITS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined
      try {
        return loginLimits.partial().parse(JSON.parse(text))
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `LOGIN_LIMITS must be JSON like {"source":"30/15m","global":"1000/1m"}: ${String(error)}`,
        })
        return z.NEVER
      }
    }),
  /** Share of the restaurant's plan limit one user may take (0-1]. */
  USER_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
  /** How often a scheduling process checks that its job schedulers still exist in Redis. */
  SCHEDULE_CHECK: duration.default(60_000),
  /** Error tracking: unhandled request and job errors go to this Sentry project; unset: nothing is sent. */
  SENTRY_DSN: z.string().url().optional(),
  /** Sentry's `environment`; default `production` with NODE_ENV=production, else `development`. */
  SENTRY_ENVIRONMENT: z.string().min(1).max(64).optional(),
  /** Sentry's `release` (a version or commit); default none. */
  SENTRY_RELEASE: z.string().min(1).max(200).optional(),
})

export type Env = z.output<typeof envSchema>

/** Everything the app reads from its environment, validated once at start. */
export interface AppConfig {
  port: number
  host: string
  /** Embedded mode: PGlite, memory stores and an in-process job runner. */
  embedded: boolean
  /** Embedded mode: the directory PGlite and the fake Poster keep their data in; undefined: in memory. */
  dataDir: string | undefined
  databaseUrl: string | undefined
  appDatabaseUrl: string | undefined
  redisUrl: string | undefined
  keyPrefix: string
  posterBaseUrl: string | undefined
  /** Origin for links the app gives out; default: the request's own (behind a proxy, set TRUST_PROXY). */
  publicUrl: string | undefined
  posterAppSecret: string
  /** Self-service onboarding through Poster OAuth; undefined: off (embedded mode uses the fake's). */
  posterApplicationId: string | undefined
  posterAuthUrl: string
  tokenKeys: { keys: Record<string, string>; current: string }
  posterRate: { perSecond: number; perMinute?: number }
  posterTimeoutMs: number
  /** Per-account circuit breaker of syncs. */
  posterBreaker: { failures: number; cooldownMs: number; maxMs: number }
  supplyLeaseMs: number
  webhookRateLimit: string
  worker: boolean
  workerConcurrency: number
  syncIntervalMs: number
  cacheEnabled: boolean
  tiers: Record<string, { api: string; analysis: string }>
  logLevel: Env['LOG_LEVEL']
  /** NODE_ENV=production: cookies always Secure, no /docs unless asked for. */
  production: boolean
  /** Fastify's `trustProxy`: which proxies' X-Forwarded-* headers count. */
  trustProxy: boolean | number | string
  docs: boolean
  opsToken: string | undefined
  loginLimits: LoginLimits
  userShare: number
  scheduleCheckMs: number
  /** Error tracking (src/telemetry/sentry.ts); undefined without SENTRY_DSN: Sentry is never loaded. */
  sentry: { dsn: string; environment: string; release: string | undefined } | undefined
}

// Only for the embedded demo: a fixed key so tokens seeded in one start decrypt in the next.
const DEMO_TOKEN_KEY = Buffer.alloc(32, 7).toString('base64')
const DEMO_APP_SECRET = 'fake-app-secret'

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Parses the environment; throws `ConfigError` naming each bad variable. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<AppConfig> = {},
): AppConfig {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || 'env'}: ${issue.message}`)
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`)
  }
  const e = parsed.data
  if ((e.DATABASE_URL === undefined) !== (e.REDIS_URL === undefined)) {
    throw new ConfigError('Set both DATABASE_URL and REDIS_URL (real services) or neither (embedded mode).')
  }
  const embedded = e.DATABASE_URL === undefined
  const production = e.NODE_ENV === 'production'
  if (!embedded && (e.TOKEN_KEYS === undefined || e.POSTER_APP_SECRET === undefined)) {
    throw new ConfigError(
      'With DATABASE_URL set, TOKEN_KEYS and POSTER_APP_SECRET are required (no demo secrets outside embedded mode).',
    )
  }
  return {
    port: e.PORT,
    host: e.HOST,
    embedded,
    dataDir: embedded ? dataDirOf(e.DATA_DIR) : undefined,
    databaseUrl: e.DATABASE_URL,
    appDatabaseUrl: e.APP_DATABASE_URL ?? (e.DATABASE_URL ? withUser(e.DATABASE_URL, 'rc_app') : undefined),
    redisUrl: e.REDIS_URL,
    keyPrefix: e.KEY_PREFIX,
    posterBaseUrl: e.POSTER_BASE_URL,
    publicUrl: e.PUBLIC_URL,
    posterAppSecret: e.POSTER_APP_SECRET ?? DEMO_APP_SECRET,
    posterApplicationId: e.POSTER_APPLICATION_ID,
    posterAuthUrl: e.POSTER_AUTH_URL,
    tokenKeys: e.TOKEN_KEYS
      ? parseTokenKeys(e.TOKEN_KEYS)
      : { keys: { demo: DEMO_TOKEN_KEY }, current: 'demo' },
    posterRate: {
      perSecond: e.POSTER_PER_SECOND,
      ...(e.POSTER_PER_MINUTE ? { perMinute: e.POSTER_PER_MINUTE } : {}),
    },
    posterTimeoutMs: e.POSTER_TIMEOUT,
    posterBreaker: {
      failures: e.POSTER_BREAKER_FAILURES,
      cooldownMs: e.POSTER_BREAKER_COOLDOWN,
      maxMs: e.POSTER_BREAKER_MAX,
    },
    supplyLeaseMs: e.SUPPLY_LEASE,
    webhookRateLimit: e.WEBHOOK_RATE_LIMIT,
    worker: e.WORKER === 'on',
    // Embedded mode runs on one PGlite session: keep it small there.
    workerConcurrency: e.WORKER_CONCURRENCY ?? (embedded ? 4 : 50),
    syncIntervalMs: e.SYNC_INTERVAL,
    cacheEnabled: e.CACHE === 'on',
    tiers: e.RATE_TIERS ?? defaultTiers,
    logLevel: e.LOG_LEVEL,
    production,
    trustProxy: e.TRUST_PROXY,
    docs: e.DOCS ? e.DOCS === 'on' : !production,
    opsToken: e.OPS_TOKEN,
    loginLimits: { ...defaultLoginLimits, ...e.LOGIN_LIMITS },
    userShare: e.USER_SHARE,
    scheduleCheckMs: e.SCHEDULE_CHECK,
    sentry: e.SENTRY_DSN
      ? {
          dsn: e.SENTRY_DSN,
          environment: e.SENTRY_ENVIRONMENT ?? (production ? 'production' : 'development'),
          release: e.SENTRY_RELEASE,
        }
      : undefined,
    ...overrides,
  }
}

/** The embedded data directory's default: `.data` in the app's folder (gitignored). */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../.data', import.meta.url))

function dataDirOf(value: string | undefined): string | undefined {
  if (value === ':memory:') return undefined
  return value ?? DEFAULT_DATA_DIR
}

function withUser(url: string, user: string): string {
  const parsed = new URL(url)
  parsed.username = user
  parsed.password = ''
  return parsed.toString()
}

function parseTokenKeys(text: string): AppConfig['tokenKeys'] {
  const pairs = text.split(',').map((pair) => pair.trim().split(':'))
  if (pairs.some((p) => p.length !== 2 || !p[0] || !p[1])) {
    throw new ConfigError('TOKEN_KEYS must be id:base64key pairs separated by commas.')
  }
  const keys = Object.fromEntries(pairs.map(([id, key]) => [id as string, key as string]))
  return { keys, current: (pairs.at(-1) as string[])[0] as string }
}
