import { type Cache, createCache } from '@rc/cache'
import { memoryStore } from '@rc/cache/memory'
import { redisBus, redisStore } from '@rc/cache/redis'
import { memoryRateLimitStore } from '@rc/poster-client'
import { redisRateLimitStore } from '@rc/poster-client/redis'
import { createTokenCipher, type TokenCipher } from '@rc/poster-client/tokens'
import { createRateTiers, memoryRateStore, type RateTiers } from '@rc/rate-tiers'
import { redisRateStore } from '@rc/rate-tiers/redis'
import type { Cluster, Redis } from 'ioredis'
import pino from 'pino'
import { type AccessCache, createAccess } from './auth/access'
import { createDeviceCookies } from './auth/device-cookies'
import { createHashGate } from './auth/hash-gate'
import { createLoginThrottle, type LoginThrottle } from './auth/login-throttle'
import { createUserRepository, type UserRepository } from './auth/repository'
import { createRevocations } from './auth/revocations'
import { createSessions, type Sessions } from './auth/sessions'
import type { AppConfig } from './config'
import { type Database, openPglite, openPostgres, type QueryPool } from './infra/database'
import { createMetrics, type Metrics } from './infra/metrics'
import { createRedisClient } from './infra/redis'
import { createBullQueue } from './jobs/bullmq-queue'
import { createMemoryQueue } from './jobs/memory-queue'
import type { JobHandlers, JobQueue } from './jobs/queue'
import { createRestaurantRepository, type RestaurantRepository } from './restaurants/repository'
import { userShareOf } from './restaurants/user-share'
import { createJobHandlers } from './sync/handlers'
import { createPosterClients, type PosterClients } from './sync/posters'
import { createSyncEventRepository, type SyncEventRepository } from './sync/repository'
import { createErrorReports, deploymentSecrets, type ErrorReports } from './telemetry/error-reports'
import { reportJobErrors } from './telemetry/job-errors'
import { traceFields } from './telemetry/log-trace'
import { createRecentErrors, type RecentErrors } from './telemetry/recent-errors'
import { startSentry } from './telemetry/sentry'

/**
 * The control plane: rows that span restaurants (schema `control`), read and written as the app role.
 * Each concern's SQL lives in its feature: auth/, restaurants/ and sync/ `repository.ts`.
 */
export interface Control {
  users: UserRepository
  restaurants: RestaurantRepository
  syncEvents: SyncEventRepository
}

/** Everything a request or a job needs, built once per process. */
export interface Runtime {
  config: AppConfig
  log: pino.Logger
  db: Database
  /**
   * Connected as the tables' owner, for the control-plane writes the app role may not make: onboarding
   * restaurants and users, invitations and memberships (src/onboarding, src/members, src/offboard.ts), seeding.
   */
  owner: QueryPool
  control: Control
  /** One server, or through Sentinel (REDIS_SENTINELS), or a Cluster (REDIS_CLUSTER_NODES). */
  redis: Redis | Cluster | undefined
  /** Restaurant config and analytics. */
  cache: Cache
  /** Sessions: Redis itself (no memory fallback), with logouts recorded in PostgreSQL during outages. */
  sessions: Sessions
  /** Users and their memberships, cached without a near cache so that `forget` applies everywhere at once. */
  access: AccessCache
  /** The restaurants' plans. */
  tiers: RateTiers
  /** Each user's share of their restaurant's plan (`USER_SHARE`), checked before the restaurant's. */
  userTiers: RateTiers
  /** Login throttling per source, globally, per account and per known device; bounded password hashing. */
  login: LoginThrottle
  cipher: TokenCipher
  posters: PosterClients
  jobs: JobQueue
  metrics: Metrics
  /** Unhandled request and job errors: to Sentry (SENTRY_DSN) and the admin page's recent errors. */
  errors: ErrorReports
  /** Each restaurant's last errors (`control.app_errors`), for the admin page. */
  recentErrors: RecentErrors
  /** The job code itself (what workers run), for scripts and tests that want a step now. */
  handlers: JobHandlers
  /** Cached tenant reads; with CACHE=off the loader runs every time. */
  cached<T>(restaurantId: string, key: string, tags: string[], loader: () => Promise<T>): Promise<T>
  /** Drops the restaurant's cached entries carrying these tags (e.g. `inventory`, `orders`). */
  invalidate(restaurantId: string, tags: string[]): Promise<void>
  close(): Promise<void>
}

export const TOKEN_CHECK_EVERY_MS = 24 * 3600 * 1000

export async function createRuntime(
  config: AppConfig,
  options: { log?: pino.Logger; logStream?: pino.DestinationStream } = {},
): Promise<Runtime> {
  // Lines written inside a trace carry its trace_id and span_id (see src/telemetry/log-trace.ts).
  const log = options.log ?? pino({ level: config.logLevel, mixin: traceFields }, options.logStream)
  const metrics = createMetrics()
  const { db, owner } =
    config.databaseUrl && config.appDatabaseUrl
      ? await openPostgres(config.databaseUrl, config.appDatabaseUrl)
      : await openPglite(config.dataDir)
  const control: Control = {
    users: createUserRepository(db.pool),
    restaurants: createRestaurantRepository(db.pool),
    syncEvents: createSyncEventRepository(db.pool),
  }

  const redis = config.redis
    ? createRedisClient(config.redis, {
        // Short commands and quick reconnects: @rc/cache and @rc/rate-tiers fall back while Redis is away.
        maxRetriesPerRequest: 1,
        retryStrategy: (times) => Math.min(times * 50, 500),
      })
    : undefined
  redis?.on('error', (error) => log.debug({ err: error }, 'redis connection error'))

  const countCacheEvent = (event: { type: string }) => metrics.cacheEvents.inc({ event: event.type })
  const cache = redis
    ? createCache({
        store: redisStore({ client: redis }),
        fallback: memoryStore({ maxEntries: 10_000 }),
        // ttl caps staleness should a bus message be lost (pub/sub keeps nothing across a reconnect).
        l1: { maxEntries: 5_000, ttl: '30s' },
        bus: redisBus({ client: redis }),
        prefix: `${config.keyPrefix}:cache`,
        ttl: '5m',
        grace: '1h',
        onEvent: countCacheEvent,
      })
    : createCache({
        store: memoryStore({ maxEntries: 50_000 }),
        prefix: `${config.keyPrefix}:cache`,
        ttl: '5m',
        onEvent: countCacheEvent,
      })

  const tiers = createRateTiers({
    store: redis ? redisRateStore({ client: redis, prefix: `${config.keyPrefix}:rt:` }) : memoryRateStore(),
    tiers: config.tiers,
    algorithm: 'sliding-log',
    onStoreError: 'memory',
    onEvent: (event) => log.warn({ event }, 'rate limit store state changed'),
  })

  const userTiers = createRateTiers({
    store: redis
      ? redisRateStore({ client: redis, prefix: `${config.keyPrefix}:rt-user:` })
      : memoryRateStore(),
    tiers: userShareOf(config.tiers, config.userShare),
    algorithm: 'sliding-log',
    onStoreError: 'memory',
  })

  const sessions = createSessions({
    store: redis ? redisStore({ client: redis }) : memoryStore({ maxEntries: 100_000 }),
    prefix: `${config.keyPrefix}:auth`,
    // Embedded: one process and a memory store that never fails, so nothing to record.
    ...(redis ? { revocations: createRevocations(db.pool) } : {}),
  })
  // Redis only, no near cache: a membership removed through one instance is gone on the next request to
  // any other. No fallback either: while Redis is away every request reads the database instead.
  const accessCache = redis
    ? createCache({
        store: redisStore({ client: redis }),
        prefix: `${config.keyPrefix}:cache`,
        onEvent: countCacheEvent,
      })
    : cache
  const access = createAccess(accessCache, control)
  const tokenKeys = Object.values(config.tokenKeys.keys).map((key) => Buffer.from(key, 'base64'))
  const currentKey = Buffer.from(config.tokenKeys.keys[config.tokenKeys.current] as string, 'base64')
  const login = createLoginThrottle({
    store: redis
      ? redisRateStore({ client: redis, prefix: `${config.keyPrefix}:login:` })
      : memoryRateStore(),
    limits: config.loginLimits,
    devices: createDeviceCookies({
      keys: [currentKey, ...tokenKeys.filter((key) => !key.equals(currentKey))],
      secure: config.production ? true : 'auto',
    }),
    // scrypt runs on libuv's thread pool (4 threads by default): more at once would only queue there.
    gate: createHashGate({ concurrency: 4, maxQueue: 64 }),
    metrics,
  })

  const cipher = createTokenCipher(config.tokenKeys)
  const posters = createPosterClients({
    cipher,
    store: redis
      ? redisRateLimitStore({ client: redis, prefix: `${config.keyPrefix}:poster:` })
      : memoryRateLimitStore(),
    rate: config.posterRate,
    timeoutMs: config.posterTimeoutMs,
    ...(config.posterBaseUrl ? { baseUrl: config.posterBaseUrl } : {}),
    metrics,
  })

  const globalSecrets = deploymentSecrets(config)
  const recentErrors = createRecentErrors(db.pool)
  const errors = createErrorReports({
    sentry: await startSentry(config, { globalSecrets }),
    recent: recentErrors,
    log,
    restaurants: control.restaurants,
    cipher,
    globalSecrets,
  })

  const onJobEvent = (name: string, outcome: string) => metrics.jobs.inc({ name, outcome })
  const jobs = config.redis
    ? createBullQueue({
        redis: config.redis,
        prefix: `${config.keyPrefix}:bull`,
        onEvent: onJobEvent,
        scheduleCheckMs: config.scheduleCheckMs,
        log,
      })
    : createMemoryQueue({ onEvent: onJobEvent })

  // Tags belong to the namespace they are used in: one restaurant's invalidation spares the others.
  const invalidate = async (restaurantId: string, tags: string[]) => {
    await cache.namespace(`tenant:${restaurantId}`).invalidateTags(tags)
  }
  const handlers = reportJobErrors(
    createJobHandlers({
      db,
      restaurants: control.restaurants,
      syncEvents: control.syncEvents,
      posters,
      jobs,
      syncEveryMs: config.syncIntervalMs,
      invalidateInventory: (restaurantId) => invalidate(restaurantId, ['inventory']),
      invalidateOrders: (restaurantId) => invalidate(restaurantId, ['orders']),
      breaker: config.posterBreaker,
      supplyLeaseMs: config.supplyLeaseMs,
      metrics,
    }),
    errors,
  )
  if (config.worker) jobs.startWorker(handlers, config.workerConcurrency)

  return {
    config,
    log,
    db,
    owner,
    control,
    redis,
    cache,
    sessions,
    access,
    tiers,
    userTiers,
    login,
    cipher,
    posters,
    jobs,
    metrics,
    errors,
    recentErrors,
    handlers,
    cached(restaurantId, key, tags, loader) {
      if (!config.cacheEnabled) return loader()
      return cache.namespace(`tenant:${restaurantId}`).getOrSet(key, loader, { tags })
    },
    invalidate,
    async close() {
      await jobs.close()
      // After the jobs (they may still report), before the database (reports are written there).
      await errors.close()
      await sessions.close()
      if (accessCache !== cache) await accessCache.close()
      await cache.close()
      redis?.disconnect()
      await db.close()
    },
  }
}
