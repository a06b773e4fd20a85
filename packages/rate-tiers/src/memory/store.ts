import type { Algorithm, RateStore, StoreCall, StoreLimit, StoreOutcome } from '../types'
import type { Expiring, MemoryAlgorithm, Verdict } from './algorithm'
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

// Rare enough that a key which drains between its calls (a GCRA bucket far from its limit drains in
// a fraction of a millisecond) is not dropped and rebuilt over and over: that churn cost ~10%.
const SWEEP_EVERY = 10_000

// The single-limit hot path calls each algorithm from its own call site: through `ALGORITHMS[a]`
// one call site would serve all four in a process that uses several, and V8 stops inlining it.
function check(
  algorithm: Algorithm,
  state: any,
  limit: StoreLimit,
  cost: number,
  now: number,
  out: Verdict,
): void {
  switch (algorithm) {
    case 'gcra':
      gcra.check(state, limit, cost, now, out)
      return
    case 'fixed-window':
      fixedWindow.check(state, limit, cost, now, out)
      return
    case 'sliding-window':
      slidingWindow.check(state, limit, cost, now, out)
      return
    default:
      slidingLog.check(state, limit, cost, now, out)
      return
  }
}

function charge(
  algorithm: Algorithm,
  state: any,
  limit: StoreLimit,
  cost: number,
  now: number,
  out: Verdict,
): Expiring {
  switch (algorithm) {
    case 'gcra':
      return gcra.charge(state, limit, cost, now, out)
    case 'fixed-window':
      return fixedWindow.charge(state, limit, cost, now, out)
    case 'sliding-window':
      return slidingWindow.charge(state, limit, cost, now, out)
    default:
      return slidingLog.charge(state, limit, cost, now, out)
  }
}

const newVerdict = (): Verdict => ({ allowed: false, left: 0, resetMs: 0, retryAfterMs: 0 })

/**
 * Usage in this process only: exact for one instance, N instances each allow the full limit.
 * Used as the default store and as the `onStoreError: 'memory'` insurance.
 */
export function memoryRateStore(options: MemoryRateStoreOptions = {}): RateStore {
  const now = options.now ?? Date.now
  // key → limit name → state: no concatenated id to hash, and a key's string hash is cached by V8.
  const states = new Map<string, Map<string, Expiring>>()
  // Decisions are synchronous, so one scratch verdict serves every single-limit call.
  const scratch = newVerdict()
  let opsUntilSweep = SWEEP_EVERY

  // Amortised O(1): a full pass every max(SWEEP_EVERY, 4 × size) decisions drops drained keys.
  function sweep(at: number): void {
    for (const [key, limits] of states) {
      for (const [name, state] of limits) if (state.expiresAt <= at) limits.delete(name)
      if (limits.size === 0) states.delete(key)
    }
    opsUntilSweep = Math.max(SWEEP_EVERY, 4 * states.size)
  }

  function limitsOf(key: string): Map<string, Expiring> {
    let limits = states.get(key)
    if (limits === undefined) {
      limits = new Map()
      states.set(key, limits)
    }
    return limits
  }

  function decideOne(call: StoreCall, at: number): StoreOutcome[] {
    const limit = call.limits[0]!
    const limits = states.get(call.key)
    const state = limits?.get(limit.name)
    check(call.algorithm, state, limit, call.cost, at, scratch)
    if (!scratch.allowed || !call.charge) {
      return [
        {
          allowed: scratch.allowed,
          remaining: scratch.left,
          resetMs: scratch.resetMs,
          retryAfterMs: scratch.retryAfterMs,
        },
      ]
    }
    const next = charge(call.algorithm, state, limit, call.cost, at, scratch)
    if (next !== state) (limits ?? limitsOf(call.key)).set(limit.name, next)
    return [{ allowed: true, remaining: scratch.left - call.cost, resetMs: scratch.resetMs, retryAfterMs: 0 }]
  }

  function decide(call: StoreCall): StoreOutcome[] {
    const at = now()
    if (--opsUntilSweep <= 0) sweep(at)
    if (call.limits.length === 1) return decideOne(call, at)
    const impl = ALGORITHMS[call.algorithm]
    const { key, limits, cost } = call
    const held = states.get(key)
    const verdicts = limits.map((limit) => {
      const out = newVerdict()
      impl.check(held?.get(limit.name), limit, cost, at, out)
      return out
    })
    if (!call.charge || verdicts.some((v) => !v.allowed)) {
      return verdicts.map((v) => ({
        allowed: v.allowed,
        remaining: v.left,
        resetMs: v.resetMs,
        retryAfterMs: v.retryAfterMs,
      }))
    }
    const own = held ?? limitsOf(key)
    return verdicts.map((v, i) => {
      const limit = limits[i]!
      const state = own.get(limit.name)
      const next = impl.charge(state, limit, cost, at, v)
      if (next !== state) own.set(limit.name, next)
      return { allowed: true, remaining: v.left - cost, resetMs: v.resetMs, retryAfterMs: 0 }
    })
  }

  return {
    name: 'memory',
    decide,
    delete(key, names) {
      const limits = states.get(key)
      for (const name of names) limits?.delete(name)
    },
  }
}
