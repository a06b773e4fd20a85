import type { Algorithm, RateStore, StoreAdjustment, StoreCall, StoreLimit, StoreOutcome } from '../types'
import type { Expiring, MemoryAlgorithm } from './algorithm'
import { fixedWindow } from './fixed-window'
import { gcra } from './gcra'
import { type BlockState, block, blocked, type LeaseState, leaseCheck, leaseTake } from './leases'
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
const BLOCK = '!b'

const outcome = (): StoreOutcome => ({ allowed: false, remaining: 0, resetMs: 0, retryAfterMs: 0, nextMs: 0 })

/**
 * Usage in this process only: exact for one instance, N instances each allow the full limit.
 * Used as the default store and as the `onStoreError: 'memory'` fallback. The same decisions as
 * the Redis scripts, step for step (test/redis-store.redis.test.ts compares them).
 */
export function memoryRateStore(options: MemoryRateStoreOptions = {}): RateStore {
  const clock = options.now ?? Date.now
  /** key → limit name → state: no concatenated id to hash, and a key's string hash is cached by V8. */
  const states = new Map<string, Map<string, Expiring>>()
  let opsUntilSweep = SWEEP_EVERY
  // Per-call scratch for multi-limit decisions, reused: decisions are synchronous.
  let isBlocked: boolean[] = []

  // Amortised O(1): a full pass every max(SWEEP_EVERY, 4 × size) decisions drops drained keys.
  function sweep(at: number): void {
    for (const [key, limits] of states) {
      for (const [name, state] of limits) if (state.expiresAt <= at) limits.delete(name)
      if (limits.size === 0) states.delete(key)
    }
    opsUntilSweep = Math.max(SWEEP_EVERY, 4 * states.size)
  }

  function time(): number {
    const at = clock()
    if (--opsUntilSweep <= 0) sweep(at)
    return at
  }

  function held(key: string): Map<string, Expiring> {
    let limits = states.get(key)
    if (limits === undefined) {
      limits = new Map()
      states.set(key, limits)
    }
    return limits
  }

  function decideInto(call: StoreCall, out: readonly StoreOutcome[]): number {
    const { key, limits, cost, charge } = call
    const impl = ALGORITHMS[call.algorithm]
    const now = time()
    const own = states.get(key)
    const n = limits.length
    if (n === 1 && limits[0]!.block === undefined && !limits[0]!.concurrency) {
      // The common call, the same rules as below without their loops.
      const l = limits[0]!
      const o = out[0]!
      const state = own === undefined ? undefined : own.get(l.name)
      const allowed = impl.check(state, l, cost, now)
      o.allowed = allowed
      if (charge && (allowed || (l.chargeDenied && !l.shadow))) {
        const next = impl.charge(state, l, cost, now, allowed, cost, o)
        if (next !== state) held(key).set(l.name, next)
      } else impl.describe(state, l, cost, now, o)
      return now
    }
    if (isBlocked.length < n) isBlocked = new Array(n).fill(false)
    let ok = true
    // Check every limit before anything is written: a decision charges all or nothing.
    for (let i = 0; i < n; i++) {
      const l = limits[i]!
      const o = out[i]!
      let allowed: boolean
      isBlocked[i] = l.block !== undefined && blocked(own?.get(l.name + BLOCK) as BlockState, now, o)
      if (isBlocked[i]) allowed = false
      else if (l.concurrency) allowed = leaseCheck(own?.get(l.name) as LeaseState, l, now, o)
      else allowed = impl.check(own?.get(l.name), l, cost, now)
      o.allowed = allowed
      if (!allowed && !l.shadow) ok = false
    }
    for (let i = 0; i < n; i++) {
      const l = limits[i]!
      const o = out[i]!
      if (isBlocked[i]) continue
      const state = own?.get(l.name)
      let written = false
      if (charge && ok) {
        // A shadow limit counts what enforcing it would have counted: only calls it admits.
        if (!l.shadow || o.allowed) {
          const next = l.concurrency
            ? leaseTake(state as LeaseState, l, call.lease, now, o)
            : impl.charge(state, l, cost, now, true, cost, o)
          if (next !== state) held(key).set(l.name, next)
          written = !l.concurrency
        }
      } else if (charge && l.chargeDenied && !l.shadow && !l.concurrency) {
        const next = impl.charge(state, l, cost, now, o.allowed, cost, o)
        if (next !== state) held(key).set(l.name, next)
        written = true
      }
      if (!written && !l.concurrency) impl.describe(state, l, cost, now, o)
      // A limit that denied a charged call blocks the key on it, after its outcome is known.
      if (charge && !ok && l.block !== undefined && !l.shadow && !o.allowed) {
        held(key).set(l.name + BLOCK, block(own?.get(l.name + BLOCK) as BlockState, l, now, o))
      }
    }
    return now
  }

  function adjust({ algorithm, key, limits, units, at, charged, lease }: StoreAdjustment): number {
    const now = time()
    const own = units < 0 ? held(key) : states.get(key)
    if (own === undefined) return now
    for (const l of limits as StoreLimit[]) {
      if (l.concurrency) {
        if (lease !== '') (own.get(l.name) as LeaseState | undefined)?.leases.delete(lease)
        continue
      }
      if (units === 0) continue
      const next = ALGORITHMS[algorithm].adjust(own.get(l.name), l, units, at, charged, now)
      if (next === undefined) own.delete(l.name)
      else own.set(l.name, next)
    }
    return now
  }
  return {
    name: 'memory',
    decideInto,
    decide(call) {
      const out = call.limits.map(outcome)
      const at = decideInto(call, out)
      for (const o of out) o.at = at
      return out
    },
    adjust,
    delete(key, names) {
      const limits = states.get(key)
      for (const name of names) {
        limits?.delete(name)
        limits?.delete(name + BLOCK)
      }
    },
  }
}
