import { type Duration, toMs } from './duration'
import { CacheError } from './errors'
import { globToRegExp } from './keys'
import { Lru } from './lru'
import type { CacheStore } from './types'

export interface MemoryStoreOptions {
  /** Most entries kept; the least recently used is evicted past it. Default 10,000. */
  maxEntries?: number
  /** How often expired entries are swept. Default '30s'. */
  sweepInterval?: Duration
}

interface Slot {
  stamp: number
  value: string
  /** Epoch ms after which the entry is gone (Infinity: never). */
  expiresAt: number
}

/**
 * An in-process store: LRU by entries, expired entries swept on a timer.
 * The default store of `createCache`, and the usual `fallback`.
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
  const slots = new Lru<Slot>(maxEntries)
  const tags = new Map<string, number>()
  const locks = new Map<string, { token: string; expiresAt: number }>()

  const sweep = () => {
    const now = Date.now()
    for (const [key, slot] of slots.entries()) if (slot.expiresAt <= now) slots.delete(key)
    for (const [key, lock] of locks) if (lock.expiresAt <= now) locks.delete(key)
  }
  const timer = sweepMs > 0 ? setInterval(sweep, sweepMs) : undefined
  timer?.unref()

  const live = (key: string): Slot | undefined => {
    const slot = slots.get(key)
    if (slot && slot.expiresAt <= Date.now()) {
      slots.delete(key)
      return undefined
    }
    return slot
  }

  return {
    name: 'memory',
    async get(key) {
      return live(key)?.value
    },
    async set(key, value, ttlMs) {
      slots.set(key, {
        stamp: 0,
        value,
        expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs,
      })
    },
    async delete(keys) {
      let count = 0
      for (const key of keys) if (live(key) && slots.delete(key)) count++
      return count
    },
    async deletePattern(pattern) {
      const re = globToRegExp(pattern)
      const now = Date.now()
      let count = 0
      for (const [key, slot] of [...slots.entries()]) {
        if (!re.test(key)) continue
        slots.delete(key)
        if (slot.expiresAt > now) count++
      }
      for (const key of [...tags.keys()]) if (re.test(key)) tags.delete(key)
      return count
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
