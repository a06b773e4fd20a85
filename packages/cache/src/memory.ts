import { LRUCache } from 'lru-cache'
import { type Duration, toMs } from './duration'
import { CacheError } from './errors'
import { globToRegExp } from './keys'
import type { CacheStore } from './types'

export interface MemoryStoreOptions {
  /** Most entries kept; the least recently used is evicted past it. Default 10,000. */
  maxEntries?: number
  /** How often expired entries are swept. Default '30s'. */
  sweepInterval?: Duration
}

/**
 * An in-process store on `lru-cache`: LRU by entries, per-entry TTL, expired
 * entries swept on a timer. The default store of `createCache`, and the usual
 * `fallback`.
 */
export function memoryStore(options: MemoryStoreOptions = {}): CacheStore {
  const maxEntries = options.maxEntries ?? 10_000
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new CacheError(
      'CACHE_INVALID_ARGUMENT',
      `memoryStore maxEntries must be a positive integer, got ${maxEntries}.`,
    )
  }
  const sweepMs = toMs(options.sweepInterval ?? '30s', 'memoryStore sweepInterval')
  // ttlResolution 0: expiry is judged with a fresh clock on every read, as Redis does.
  const entries = new LRUCache<string, string>({ max: maxEntries, ttlResolution: 0 })
  const tags = new Map<string, number>()
  const locks = new Map<string, { token: string; expiresAt: number }>()

  const sweep = () => {
    entries.purgeStale()
    const now = Date.now()
    for (const [key, lock] of locks) if (lock.expiresAt <= now) locks.delete(key)
  }
  const timer = sweepMs > 0 ? setInterval(sweep, sweepMs) : undefined
  timer?.unref()

  const put = (key: string, value: string, ttlMs: number | undefined) => {
    // lru-cache reads a ttl of 0 as "never": a TTL that has already run out deletes instead.
    if (ttlMs !== undefined && ttlMs <= 0) entries.delete(key)
    else entries.set(key, value, { ttl: ttlMs === undefined ? 0 : Math.max(1, Math.ceil(ttlMs)) })
  }

  return {
    name: 'memory',
    async get(key) {
      return entries.get(key)
    },
    async getMany(keys) {
      return keys.map((key) => entries.get(key))
    },
    async set(key, value, ttlMs) {
      put(key, value, ttlMs)
    },
    async setMany(list) {
      for (const { key, value, ttlMs } of list) put(key, value, ttlMs)
    },
    async replace(key, expected, value, ttlMs) {
      if (entries.get(key, { updateAgeOnGet: false }) !== expected) return false
      put(key, value, ttlMs)
      return true
    },
    async delete(keys) {
      let count = 0
      for (const key of keys) if (entries.has(key) && entries.delete(key)) count++
      return count
    },
    async deletePattern(pattern) {
      const re = globToRegExp(pattern)
      let count = 0
      for (const key of [...entries.keys()]) {
        if (!re.test(key)) continue
        if (entries.has(key)) count++
        entries.delete(key)
      }
      for (const key of [...tags.keys()]) if (re.test(key)) tags.delete(key)
      return count
    },
    async *scan(pattern) {
      const re = globToRegExp(pattern)
      // A snapshot: keys written while the caller iterates may or may not be listed, as with SCAN.
      for (const key of [...entries.keys()]) if (re.test(key) && entries.has(key)) yield key
    },
    async tagVersions(tagKeys) {
      return tagKeys.map((key) => tags.get(key) ?? 0)
    },
    async bumpTags(tagKeys) {
      for (const key of tagKeys) tags.set(key, (tags.get(key) ?? 0) + 1)
    },
    async lock(key, token, ttlMs) {
      const held = locks.get(key)
      if (held && held.expiresAt > Date.now()) return false
      locks.set(key, { token, expiresAt: Date.now() + ttlMs })
      return true
    },
    async unlock(key, token) {
      if (locks.get(key)?.token === token) locks.delete(key)
    },
    isReady: () => true,
    async ping() {},
    async close() {
      if (timer) clearInterval(timer)
    },
  }
}
export { type MemoryBusOptions, memoryBus } from './memory-bus'
