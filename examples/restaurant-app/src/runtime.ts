import { type Cache, createCache } from '@rc/cache'
import { memoryStore } from '@rc/cache/memory'
import { redisBus, redisStore } from '@rc/cache/redis'
import { memoryRateLimitStore } from '@rc/poster-client'
import { redisRateLimitStore } from '@rc/poster-client/redis'
import { createTokenCipher, type TokenCipher } from '@rc/poster-client/tokens'
import { createRateTiers, memoryRateStore, type RateTiers } from '@rc/rate-tiers'
import { redisRateStore } from '@rc/rate-tiers/redis'
import { Redis } from 'ioredis'
import pino from 'pino'
import { createUserRepository, type UserRepository } from './auth/repository'
import type { AppConfig } from './config'
import { type Database, openPglite, openPostgres, type QueryPool } from './infra/database'
import { createMetrics, type Metrics } from './infra/metrics'
import { createBullQueue } from './jobs/bullmq-queue'
import { createMemoryQueue } from './jobs/memory-queue'
import type { JobHandlers, JobQueue } from './jobs/queue'
import { createRestaurantRepository, type RestaurantRepository } from './restaurants/repository'
import { createJobHandlers } from './sync/handlers'
import { createPosterClients, type PosterClients } from './sync/posters'
import { createSyncEventRepository, type SyncEventRepository } from './sync/repository'

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
  /** Connected as the tables' owner: seeding and tests only; undefined once embedded serving starts. */
  owner: QueryPool | undefined
  control: Control
  redis: Redis | undefined
  /** Sessions, restaurant config and analytics. */
  cache: Cache
  tiers: RateTiers
  /** Login attempts per email (brute-force brake), separate from the plans. */
  loginLimiter: RateTiers
  cipher: TokenCipher
  posters: PosterClients
  jobs: JobQueue
  metrics: Metrics
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
  options: { log?: pino.Logger } = {},
): Promise<Runtime> {
  const log = options.log ?? pino({ level: config.logLevel })
  const metrics = createMetrics()
  const { db, owner } =
    config.databaseUrl && config.appDatabaseUrl
      ? await openPostgres(config.databaseUrl, config.appDatabaseUrl)
      : await openPglite()
  const control: Control = {
    users: createUserRepository(db.pool),
    restaurants: createRestaurantRepository(db.pool),
    syncEvents: createSyncEventRepository(db.pool),
  }

  const redis = config.redisUrl
    ? new Redis(config.redisUrl, {
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

  const loginLimiter = createRateTiers({
    store: redis
      ? redisRateStore({ client: redis, prefix: `${config.keyPrefix}:login:` })
      : memoryRateStore(),
    tiers: { any: { login: '10/15m' } },
    algorithm: 'sliding-window',
    onStoreError: 'memory',
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

  const onJobEvent = (name: string, outcome: string) => metrics.jobs.inc({ name, outcome })
  const jobs = config.redisUrl
    ? createBullQueue({ redisUrl: config.redisUrl, prefix: `${config.keyPrefix}:bull`, onEvent: onJobEvent })
    : createMemoryQueue({ onEvent: onJobEvent })

  // Tags belong to the namespace they are used in: one restaurant's invalidation spares the others.
  const invalidate = async (restaurantId: string, tags: string[]) => {
    await cache.namespace(`tenant:${restaurantId}`).invalidateTags(tags)
  }
  const handlers = createJobHandlers({
    db,
    restaurants: control.restaurants,
    syncEvents: control.syncEvents,
    posters,
    jobs,
    syncEveryMs: config.syncIntervalMs,
    invalidateInventory: (restaurantId) => invalidate(restaurantId, ['inventory']),
  })
  if (config.worker) jobs.startWorker(handlers, config.workerConcurrency)

  return {
    config,
    log,
    db,
    owner,
    control,
    redis,
    cache,
    tiers,
    loginLimiter,
    cipher,
    posters,
    jobs,
    metrics,
    handlers,
    cached(restaurantId, key, tags, loader) {
      if (!config.cacheEnabled) return loader()
      return cache.namespace(`tenant:${restaurantId}`).getOrSet(key, loader, { tags })
    },
    invalidate,
    async close() {
      await jobs.close()
      await cache.close()
      redis?.disconnect()
      await db.close()
    },
  }
}
