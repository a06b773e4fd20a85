// Compile-time checks of the public surface, run by `pnpm typecheck`.
import { expectTypeOf } from 'vitest'
import { z } from 'zod'
import { type Cache, type CacheStats, createCache } from '../src/index'
import { memoryStore } from '../src/memory'

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
