import type { AcquireResult, RateLimitPolicy, RateLimitStore } from './store'

/** Options of {@link memoryRateLimitStore}. */
export interface MemoryRateLimitStoreOptions {
  /** Clock in milliseconds; injectable for tests. Default `performance.now`. */
  now?: () => number
  /** How soon to ask again while the blocking slot is still in flight in another client. Default 10 ms. */
  pollMs?: number
}

/**
 * Counts slots in this process: share one instance between clients of the same account in a process.
 * Across processes use `redisRateLimitStore` from `@rc/poster-client/redis`.
 */
export function memoryRateLimitStore(options: MemoryRateLimitStoreOptions = {}): RateLimitStore {
  const now = options.now ?? (() => performance.now())
  const pollMs = options.pollMs ?? 10
  // Per account: lease id -> release time, or the lease's expiry while the request is in flight.
  const accounts = new Map<string, Map<string, number>>()
  // Per account: until when nothing is granted (a 429's Retry-After).
  const pausedUntil = new Map<string, number>()

  return {
    async tryAcquire(key: string, leaseId: string, policy: RateLimitPolicy): Promise<AcquireResult> {
      const at = now()
      const paused = (pausedUntil.get(key) ?? 0) - at
      if (paused > 0) return { granted: false, retryInMs: Math.ceil(paused) }
      let slots = accounts.get(key)
      if (!slots) {
        slots = new Map()
        accounts.set(key, slots)
      }
      const longest = Math.max(0, ...policy.windows.map((w) => w.windowMs))
      for (const [id, t] of slots) if (t <= at - longest) slots.delete(id)
      const times = [...slots.values()].sort((a, b) => a - b)
      if (times.filter((t) => t > at).length >= policy.maxConcurrent)
        return { granted: false, retryInMs: pollMs }
      let wait = 0
      for (const { windowMs, limit } of policy.windows) {
        const inWindow = times.filter((t) => t > at - windowMs)
        if (inWindow.length < limit) continue
        const blocking = inWindow[inWindow.length - limit]!
        wait = Math.max(wait, blocking > at ? pollMs : blocking + windowMs - at)
      }
      if (wait > 0) return { granted: false, retryInMs: wait }
      slots.set(leaseId, at + policy.leaseMs)
      return { granted: true }
    },
    async release(key: string, leaseId: string): Promise<void> {
      const slots = accounts.get(key)
      const t = slots?.get(leaseId)
      const at = now()
      if (slots && t !== undefined && t > at) slots.set(leaseId, at)
    },
    async pause(key: string, ms: number): Promise<void> {
      pausedUntil.set(key, Math.max(pausedUntil.get(key) ?? 0, now() + ms))
    },
  }
}
