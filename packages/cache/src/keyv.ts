import { EventEmitter } from 'node:events'
import type { Cache } from './cache'
import type { Duration } from './duration'
import { CacheError } from './errors'
import { escapeGlob } from './keys'

export interface KeyvStoreOptions {
  /** TTL of a value Keyv sets without one. Default: the cache's own `ttl`. */
  ttl?: Duration
}

/**
 * What Keyv (and cache-manager v7, through Keyv) asks of a store; the
 * shape of Keyv's `KeyvStoreAdapter`, declared here so this module needs
 * no Keyv import.
 */
export interface KeyvCacheStore extends EventEmitter {
  opts: { dialect: string; url: string; ttl: Duration | undefined; [option: string]: unknown }
  /** Set by Keyv: the prefix of the keys it passes (`keyv:` by default), and what `clear` clears. */
  namespace?: string | undefined
  get(key: string): Promise<unknown>
  getMany(keys: string[]): Promise<unknown[]>
  set(key: string, value: unknown, ttl?: number): Promise<boolean>
  setMany(entries: { key: string; value: unknown; ttl?: number }[]): Promise<void>
  delete(key: string): Promise<boolean>
  deleteMany(keys: string[]): Promise<boolean>
  has(key: string): Promise<boolean>
  clear(): Promise<void>
  /** `[key, value]` pairs of a Keyv namespace (keys listed with the cache's `keys`). */
  iterator(namespace?: string): AsyncGenerator<[string, unknown], void>
  /** Does nothing: the cache is yours to close. */
  disconnect(): Promise<void>
}

/**
 * A Keyv store over any `Cache`: `new Keyv({ store: keyvStore(cache) })`,
 * or `createCache({ stores: [new Keyv({ store: keyvStore(cache) })] })` with
 * cache-manager v7, puts @rc/cache's fallback, l1 and namespaces behind
 * code written for Keyv. Keyv's values (its serialized `{ value, expires }`
 * strings) are stored as they are; Keyv checks `expires` itself.
 */
export function keyvStore(cache: Cache, options: KeyvStoreOptions = {}): KeyvCacheStore {
  if (typeof cache?.getOrSet !== 'function' || typeof cache.keys !== 'function') {
    throw new CacheError('CACHE_INVALID_ARGUMENT', 'keyvStore needs a cache made by createCache().')
  }
  const defaultTtl = options.ttl
  const ttlOf = (ttl: number | undefined) => (typeof ttl === 'number' && ttl > 0 ? ttl : defaultTtl)
  const store = new EventEmitter() as KeyvCacheStore
  const pattern = () => (store.namespace ? `${escapeGlob(store.namespace)}:*` : '*')
  return Object.assign(store, {
    // Keyv reads `dialect` and `url` to decide whether to wire its own iterator; this store is none of
    // the dialects it knows, so Keyv leaves `keyv.iterator` alone (call `store.iterator()` directly).
    opts: { dialect: '@rc/cache', url: '', ttl: defaultTtl },
    namespace: undefined,
    get: (key: string) => cache.get(key),
    getMany: (keys: string[]) => cache.getMany(keys),
    async set(key: string, value: unknown, ttl?: number) {
      await cache.set(key, value, { ttl: ttlOf(ttl) })
      return true
    },
    async setMany(entries: { key: string; value: unknown; ttl?: number }[]) {
      await cache.setMany(entries.map(({ key, value, ttl }) => ({ key, value, ttl: ttlOf(ttl) })))
    },
    delete: async (key: string) => (await cache.delete(key)) > 0,
    deleteMany: async (keys: string[]) => (await cache.deleteMany(keys)) > 0,
    has: (key: string) => cache.has(key),
    async clear() {
      if (store.namespace) await cache.deletePattern(pattern())
      else await cache.clear()
    },
    async *iterator(namespace?: string): AsyncGenerator<[string, unknown], void> {
      const glob = namespace ? `${escapeGlob(namespace)}:*` : pattern()
      for await (const key of cache.keys(glob)) {
        const value = await cache.get(key)
        if (value !== undefined) yield [key, value]
      }
    },
    async disconnect() {},
  })
}
