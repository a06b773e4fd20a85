import type { Algorithm, RateStore, StoreCall, StoreLimit, StoreOutcome } from '../types'
import type { Expiring, MemoryAlgorithm, Verdict } from './algorithm'
import { type FixedState, fixedWindow } from './fixed-window'
import { type GcraState, gcra } from './gcra'
import { type LogState, slidingLog } from './sliding-log'
import { slidingWindow, type WindowState } from './sliding-window'

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

/** The state of one memory store, as its single-limit paths see it. */
interface MemoryState {
  /** key → limit name → state: no concatenated id to hash, and a key's string hash is cached by V8. */
  readonly states: Map<string, Map<string, Expiring>>
  /** The time of a decision (also sweeps drained keys now and then). */
  at(): number
}

/**
 * One limit decided into `out` without the call and outcome objects of `RateStore.decide`: `out.left`
 * is the outcome's `remaining` (after the charge when charged). Synchronous, so callers may share one
 * `out`.
 */
export type DecideOneLimit = (
  key: string,
  limit: StoreLimit,
  cost: number,
  charge: boolean,
  out: Verdict,
) => void

type SingleLimit = (
  m: MemoryState,
  key: string,
  limit: StoreLimit,
  cost: number,
  charge: boolean,
  out: Verdict,
) => void

function keep(
  m: MemoryState,
  held: Map<string, Expiring> | undefined,
  key: string,
  name: string,
  next: Expiring,
) {
  let limits = held
  if (limits === undefined) {
    limits = new Map()
    m.states.set(key, limits)
  }
  limits.set(name, next)
}

function charged(out: Verdict, cost: number): void {
  out.left -= cost
  out.retryAfterMs = 0
}

// One function literal per algorithm, not one shared body: V8 keeps type feedback and inlining per
// literal, and a shared body in a process that uses several algorithms sees every state shape and
// stops inlining (isolated, fixed-window ran ~15% faster than next to the other three).
const SINGLE_LIMIT: Record<Algorithm, SingleLimit> = {
  gcra(m, key, limit, cost, charge, out) {
    const at = m.at()
    const held = m.states.get(key)
    const state = held?.get(limit.name) as GcraState | undefined
    gcra.check(state, limit, cost, at, out)
    if (!out.allowed || !charge) return
    const next = gcra.charge(state, limit, cost, at, out)
    if (next !== state) keep(m, held, key, limit.name, next)
    charged(out, cost)
  },
  'fixed-window'(m, key, limit, cost, charge, out) {
    const at = m.at()
    const held = m.states.get(key)
    const state = held?.get(limit.name) as FixedState | undefined
    fixedWindow.check(state, limit, cost, at, out)
    if (!out.allowed || !charge) return
    const next = fixedWindow.charge(state, limit, cost, at, out)
    if (next !== state) keep(m, held, key, limit.name, next)
    charged(out, cost)
  },
  'sliding-window'(m, key, limit, cost, charge, out) {
    const at = m.at()
    const held = m.states.get(key)
    const state = held?.get(limit.name) as WindowState | undefined
    slidingWindow.check(state, limit, cost, at, out)
    if (!out.allowed || !charge) return
    const next = slidingWindow.charge(state, limit, cost, at, out)
    if (next !== state) keep(m, held, key, limit.name, next)
    charged(out, cost)
  },
  'sliding-log'(m, key, limit, cost, charge, out) {
    const at = m.at()
    const held = m.states.get(key)
    const state = held?.get(limit.name) as LogState | undefined
    slidingLog.check(state, limit, cost, at, out)
    if (!out.allowed || !charge) return
    const next = slidingLog.charge(state, limit, cost, at, out)
    if (next !== state) keep(m, held, key, limit.name, next)
    charged(out, cost)
  },
}

const newVerdict = (): Verdict => ({ allowed: false, left: 0, resetMs: 0, retryAfterMs: 0 })

// createRateTiers reaches the single-limit path of its memory stores through this, past the public
// RateStore interface (which stays as it is).
const memoryStates = new WeakMap<RateStore, MemoryState>()

/** The allocation-free single-limit path of `algorithm` on a store made by `memoryRateStore`, if it is one. */
export function singleLimitPath(store: RateStore, algorithm: Algorithm): DecideOneLimit | undefined {
  const m = memoryStates.get(store)
  if (m === undefined) return undefined
  const single = SINGLE_LIMIT[algorithm]
  return (key, limit, cost, charge, out) => single(m, key, limit, cost, charge, out)
}

/**
 * Usage in this process only: exact for one instance, N instances each allow the full limit.
 * Used as the default store and as the `onStoreError: 'memory'` insurance.
 */
export function memoryRateStore(options: MemoryRateStoreOptions = {}): RateStore {
  const now = options.now ?? Date.now
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

  const m: MemoryState = {
    states,
    at() {
      const at = now()
      if (--opsUntilSweep <= 0) sweep(at)
      return at
    },
  }

  function decide(call: StoreCall): StoreOutcome[] {
    const { key, limits, cost } = call
    if (limits.length === 1) {
      SINGLE_LIMIT[call.algorithm](m, key, limits[0]!, cost, call.charge, scratch)
      return [
        {
          allowed: scratch.allowed,
          remaining: scratch.left,
          resetMs: scratch.resetMs,
          retryAfterMs: scratch.retryAfterMs,
        },
      ]
    }
    const at = m.at()
    const impl = ALGORITHMS[call.algorithm]
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
    let own = held
    if (own === undefined) {
      own = new Map()
      states.set(key, own)
    }
    return verdicts.map((v, i) => {
      const limit = limits[i]!
      const state = own.get(limit.name)
      const next = impl.charge(state, limit, cost, at, v)
      if (next !== state) own.set(limit.name, next)
      return { allowed: true, remaining: v.left - cost, resetMs: v.resetMs, retryAfterMs: 0 }
    })
  }

  const store: RateStore = {
    name: 'memory',
    decide,
    delete(key, names) {
      const limits = states.get(key)
      for (const name of names) limits?.delete(name)
    },
  }
  memoryStates.set(store, m)
  return store
}
