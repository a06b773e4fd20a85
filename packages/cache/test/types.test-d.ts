// Compile-time checks of the public surface: vitest's typecheck runs them (and `pnpm typecheck`).
import { expectTypeOf } from 'vitest'
import { z } from 'zod'
import { type Cache, type CacheStats, createCache } from '../src/index'
import { keyvStore } from '../src/keyv'
import { memoryStore } from '../src/memory'
import { postgresStore } from '../src/postgres'
import { redisBus, redisStore } from '../src/redis'
import { describeCache, describeCacheStore } from '../src/testing'

const cache = createCache({
  store: memoryStore(),
  ttl: '5m',
  grace: '1h',
  timeout: { soft: '50ms', hard: 2000 },
})

expectTypeOf(cache.namespace('tenant:1')).toEqualTypeOf<Cache>()
expectTypeOf(cache.getOrSet('k', () => ({ id: 1 }))).resolves.toEqualTypeOf<{ id: number }>()
expectTypeOf(cache.getOrSet<string>('k', async ({ stale }) => stale ?? 'x')).resolves.toEqualTypeOf<string>()
expectTypeOf(cache.get('k', { schema: z.object({ id: z.number() }) })).resolves.toEqualTypeOf<
  { id: number } | undefined
>()
expectTypeOf(cache.get<number>('k')).resolves.toEqualTypeOf<number | undefined>()
expectTypeOf(cache.delete('a', 'b')).resolves.toEqualTypeOf<number>()
expectTypeOf(cache.stats().mode).toEqualTypeOf<CacheStats['mode']>()

// @ts-expect-error durations are numbers or '<n><unit>' strings
createCache({ ttl: '5 minutes' })
// @ts-expect-error lock is 'local' or 'distributed'
createCache({ lock: 'redis' })
// @ts-expect-error tags are strings
cache.set('k', 1, { tags: [42] })
// @ts-expect-error the loader is required
cache.getOrSet('k')

// Every public factory refuses misuse at compile time.
// @ts-expect-error maxEntries is a number
memoryStore({ maxEntries: '10' })
// @ts-expect-error the sweep interval is a duration
memoryStore({ sweepInterval: 'often' })
// @ts-expect-error a Redis store needs the caller's ioredis client
redisStore({})
// @ts-expect-error the client is an ioredis Redis or Cluster, not a URL
redisBus({ client: 'redis://127.0.0.1:6379' })
// @ts-expect-error a PostgreSQL store needs a pool
postgresStore({ table: 'cache' })
// @ts-expect-error the contract suite needs a store factory
describeCacheStore({ name: 'mine' })
// @ts-expect-error the cache suite picks its own prefix
describeCache({ name: 'mine', create: () => memoryStore(), cacheOptions: { prefix: 'x' } })

// 0.2 surface: batches, soft expiry, tags everywhere, listing, loader decisions, the Keyv store.
expectTypeOf(cache.getMany<number>(['a', 'b'])).resolves.toEqualTypeOf<(number | undefined)[]>()
expectTypeOf(cache.getOrSetMany(['a'], async (keys) => keys.map((k) => ({ k })))).resolves.toEqualTypeOf<
  ({ k: string } | undefined)[]
>()
expectTypeOf(cache.expire('a', 'b')).resolves.toEqualTypeOf<number>()
expectTypeOf(cache.keys('restaurant:*')).toEqualTypeOf<AsyncIterable<string>>()
cache.getOrSet('token', (ctx) => {
  ctx.ttl = '30s'
  ctx.tags = ['auth']
  ctx.skip()
  return 'value'
})
keyvStore(cache).set('k', 'v', 1000)
createCache({ refreshAhead: 0.8, failSafeBackoff: '2s', maxOutageKeys: 50_000, l1: { clone: 'freeze' } })

// @ts-expect-error setMany takes { key, value } entries
cache.setMany([['k', 1]])
// @ts-expect-error expireTags takes an array of tags
cache.expireTags('menu')
cache.getOrSet('k', (ctx) => {
  // @ts-expect-error the loader's context has no `expiresAt`; set `ttl`
  ctx.expiresAt = 5
  return 1
})
// @ts-expect-error l1.clone is 'structured', 'freeze' or false
createCache({ l1: { clone: 'deep' } })
// @ts-expect-error keyvStore needs a cache
keyvStore()
