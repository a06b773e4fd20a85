import type { Algorithm, RateStore, StoreCall, StoreOutcome } from '../types'
import type { Check, MemoryAlgorithm } from './algorithm'
import { fixedWindow } from './fixed-window'
import { gcra } from './gcra'
import { slidingLog } from './sliding-log'
import { slidingWindow } from './sliding-window'

/** Options of `memoryRateStore`. */
export interface MemoryRateStoreOptions {
  /** Clock in milliseconds; inject one in tests. Default `Date.now`. */
  now?: () => number
}

const ALGORITHMS: Record<Algorithm, MemoryAlgorithm<any>> = {
  'sliding-log': slidingLog,
  'sliding-window': slidingWindow,
  gcra,
  'fixed-window': fixedWindow,
}

interface Entry {
  state: unknown
  expiresAt: number
}

/**
 * Usage in this process only: exact for one instance, N instances each allow the full limit.
 * Used as the default store and as the `onStoreError: 'memory'` insurance.
 */
export function memoryRateStore(options: MemoryRateStoreOptions = {}): RateStore {
  const now = options.now ?? Date.now
  const entries = new Map<string, Entry>()
  let opsUntilSweep = 1000

  // Amortised O(1): a full pass every max(1000, size) decisions drops drained keys.
  function sweep(at: number): void {
    for (const [id, entry] of entries) if (entry.expiresAt <= at) entries.delete(id)
    opsUntilSweep = Math.max(1000, entries.size)
  }

  function decide({ algorithm, limits, cost, charge }: StoreCall): StoreOutcome[] {
    const at = now()
    if (--opsUntilSweep <= 0) sweep(at)
    const impl = ALGORITHMS[algorithm]
    const checks: Check[] = []
    let allowed = true
    for (const limit of limits) {
      const check = impl.check(entries.get(limit.id)?.state, limit, cost, at)
      if (!check.allowed) allowed = false
      checks.push(check)
    }
    const outcomes: StoreOutcome[] = []
    for (let i = 0; i < limits.length; i++) {
      const check = checks[i]!
      if (allowed && charge) {
        const limit = limits[i]!
        const entry = entries.get(limit.id)
        const next = impl.charge(entry?.state, limit, cost, at)
        if (entry) {
          entry.state = next.state
          entry.expiresAt = next.expiresAt
        } else entries.set(limit.id, { state: next.state, expiresAt: next.expiresAt })
        outcomes.push({ allowed: true, remaining: check.left - cost, resetMs: next.resetMs, retryAfterMs: 0 })
      } else {
        outcomes.push({
          allowed: check.allowed,
          remaining: check.left,
          resetMs: check.resetMs,
          retryAfterMs: check.retryAfterMs,
        })
      }
    }
    return outcomes
  }

  return {
    name: 'memory',
    decide,
    delete(ids) {
      for (const id of ids) entries.delete(id)
    },
  }
}
