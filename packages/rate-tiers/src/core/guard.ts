import type { RateStore, RateTiersEvent, StoreCall, StoreErrorMode, StoreOutcome } from '../types'

export interface GuardOptions {
  store: RateStore
  mode: StoreErrorMode
  /** While the store is down, one call per interval tries it again; the rest use the fallback. */
  retryMs: number
  fallback: RateStore
  onEvent: ((event: RateTiersEvent) => void) | undefined
}

/** Outcomes, and whether they came from the store itself or from the `onStoreError` fallback. */
export interface Guarded {
  outcomes: StoreOutcome[]
  fromStore: boolean
}

/**
 * A store decision that falls back per `onStoreError` while the store fails (a circuit breaker).
 * Synchronous stores (memory) get a synchronous answer, so the hot path allocates no promises.
 */
export type GuardedDecide = (call: StoreCall) => Guarded | Promise<Guarded>

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function'
}

export function createGuard({ store, mode, retryMs, fallback, onEvent }: GuardOptions): GuardedDecide {
  let down = false
  let downSince = 0
  let nextProbeAt = 0
  let probing = false

  function emit(event: RateTiersEvent): void {
    try {
      onEvent?.(event)
    } catch {
      // A throwing listener must not turn a rate-limit decision into an error.
    }
  }

  function degraded(call: StoreCall): Guarded | Promise<Guarded> {
    if (mode === 'memory') {
      const outcomes = fallback.decide(call)
      return isThenable(outcomes)
        ? Promise.resolve(outcomes).then((o) => ({ outcomes: o, fromStore: false }))
        : { outcomes, fromStore: false }
    }
    if (mode === 'allow') {
      const outcomes = call.limits.map((l) => ({
        allowed: true,
        remaining: Math.max(0, l.limit - (call.charge ? call.cost : 0)),
        resetMs: 0,
        retryAfterMs: 0,
      }))
      return { outcomes, fromStore: false }
    }
    const outcomes = call.limits.map(() => ({
      allowed: false,
      remaining: 0,
      resetMs: retryMs,
      retryAfterMs: retryMs,
    }))
    return { outcomes, fromStore: false }
  }

  function failed(error: unknown, call: StoreCall): Guarded | Promise<Guarded> {
    nextProbeAt = Date.now() + retryMs
    if (!down) {
      down = true
      downSince = Date.now()
      emit({ type: 'store-error', store: store.name, mode, error })
    }
    return degraded(call)
  }

  function answered(outcomes: StoreOutcome[]): Guarded {
    if (down) {
      down = false
      emit({ type: 'store-recovered', store: store.name, downMs: Date.now() - downSince })
    }
    return { outcomes, fromStore: true }
  }

  function settled(probe: boolean, outcomes: StoreOutcome[]): Guarded {
    if (probe) probing = false
    return answered(outcomes)
  }

  function rejected(probe: boolean, error: unknown, call: StoreCall): Guarded | Promise<Guarded> {
    if (probe) probing = false
    return failed(error, call)
  }

  return function decide(call) {
    const probe = down
    if (probe) {
      if (probing || Date.now() < nextProbeAt) return degraded(call)
      probing = true
    }
    let result: StoreOutcome[] | PromiseLike<StoreOutcome[]>
    try {
      result = store.decide(call)
    } catch (error) {
      return rejected(probe, error, call)
    }
    if (!isThenable(result)) return settled(probe, result)
    return Promise.resolve(result).then(
      (outcomes) => settled(probe, outcomes),
      (error: unknown) => rejected(probe, error, call),
    )
  }
}
