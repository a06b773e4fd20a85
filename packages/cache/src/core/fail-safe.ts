import { LRUCache } from 'lru-cache'

// Keys whose loader failed recently. Bounded so a storm of failing distinct
// keys cannot grow memory; an evicted key only loses its backoff early.
const MAX_BACKED_OFF_KEYS = 10_000

/**
 * Fail-safe backoff: after a loader fails and a stale value stands in, that
 * key's loader is left alone for `backoffMs` (per process) and callers get the
 * stale value, instead of every call hammering a backend that is down.
 */
export class FailSafe {
  private readonly failed: LRUCache<string, true> | undefined

  constructor(backoffMs: number) {
    this.failed =
      backoffMs > 0 ? new LRUCache<string, true>({ max: MAX_BACKED_OFF_KEYS, ttl: backoffMs }) : undefined
  }

  /** True while the key's last load failed less than the backoff ago. */
  backingOff(stored: string): boolean {
    return this.failed?.has(stored) ?? false
  }

  loadFailed(stored: string): void {
    this.failed?.set(stored, true)
  }

  loadSucceeded(stored: string): void {
    this.failed?.delete(stored)
  }
}
