import { afterAll, beforeAll, describe } from 'vitest'
import type { Cache } from '../cache'
import { createCache } from '../cache'
import type { CacheOptions } from '../options'
import type { CacheStore } from '../types'
import { batchContract } from './batch-contract'
import { coreContract } from './core-contract'
import { loadingContract } from './loading-contract'
import { type CacheSuiteOptions, runIds, type SuiteContext } from './shared'
import { tagsContract } from './tags-contract'

/**
 * What `createCache` guarantees over a store: TTL, namespaces, tags,
 * patterns, stampede protection, grace and timeouts, soft expiry, loader
 * decisions, fail-safe backoff, refresh-ahead, batches, listing, bad input.
 */
export function describeCache(factory: CacheSuiteOptions): void {
  describe(`createCache over ${factory.name}`, () => {
    let store: CacheStore
    const caches: Cache[] = []
    const { run, unique } = runIds()
    const ctx: SuiteContext = {
      store: () => store,
      unique,
      // These tests are about semantics, not timing: a generous command timeout
      // keeps a busy machine from sending calls to the (absent) fallback.
      make: (options: CacheOptions = {}) => {
        const cache = createCache({
          store,
          prefix: unique('c'),
          storeTimeout: '5s',
          ...factory.cacheOptions,
          ...options,
        })
        caches.push(cache)
        return cache
      },
    }
    beforeAll(async () => {
      store = await factory.create()
    })
    afterAll(async () => {
      await store.deletePattern(`${run}*`)
      await Promise.all(caches.map((c) => c.close()))
      await factory.cleanup?.()
    })
    coreContract(ctx)
    tagsContract(ctx)
    loadingContract(ctx)
    batchContract(ctx)
  })
}
