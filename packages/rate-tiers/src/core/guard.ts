import type { RateStore, RateTiersEvent, StoreCall, StoreErrorMode, StoreOutcome } from '../types'

export interface GuardOptions {
  store: RateStore
  mode: StoreErrorMode
  /** While the store is down, one call per interval tries it again; the rest use the fallback. */
  retryMs: number
  fallback: RateStore
  onEvent: ((event: RateTiersEvent) => void) | undefined
}

/**
 * A store decision that falls back per `onStoreError` while the store fails (a circuit breaker).
 * Synchronous stores (memory) get a synchronous answer, so the hot path allocates no promises.
 */
export interface Guard {
  decide(call: StoreCall): StoreOutcome[] | Promise<StoreOutcome[]>
  /** Whether these outcomes came from the fallback rather than the store (checked on denials only). */
  isFallback(outcomes: StoreOutcome[]): boolean
  /** Whether the store is failing: its calls then go through `decide`, which falls back or probes. */
  isDown(): boolean
  /** What `decide` answers when the store throws this for this call (for callers that reach the store directly). */
  thrown(error: unknown, call: StoreCall): StoreOutcome[] | Promise<StoreOutcome[]>
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function'
}

export function createGuard({ store, mode, retryMs, fallback, onEvent }: GuardOptions): Guard {
  // Marks fallback answers without wrapping every store answer in an object.
  const fromFallback = new WeakSet<StoreOutcome[]>()
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

  function marked(outcomes: StoreOutcome[]): StoreOutcome[] {
    fromFallback.add(outcomes)
    return outcomes
  }

  function degraded(call: StoreCall): StoreOutcome[] | Promise<StoreOutcome[]> {
    if (mode === 'memory') {
      const outcomes = fallback.decide(call)
      return isThenable(outcomes) ? Promise.resolve(outcomes).then(marked) : marked(outcomes)
    }
    if (mode === 'allow') {
      return marked(
        call.limits.map((l) => ({
          allowed: true,
          remaining: Math.max(0, l.limit - (call.charge ? call.cost : 0)),
          resetMs: 0,
          retryAfterMs: 0,
        })),
      )
    }
    return marked(
      call.limits.map(() => ({ allowed: false, remaining: 0, resetMs: retryMs, retryAfterMs: retryMs })),
    )
  }

  function failed(error: unknown, call: StoreCall): StoreOutcome[] | Promise<StoreOutcome[]> {
    nextProbeAt = Date.now() + retryMs
    if (!down) {
      down = true
      downSince = Date.now()
      emit({ type: 'store-error', store: store.name, mode, error })
    }
    return degraded(call)
  }

  function answered(outcomes: StoreOutcome[]): StoreOutcome[] {
    if (down) {
      down = false
      emit({ type: 'store-recovered', store: store.name, downMs: Date.now() - downSince })
    }
    return outcomes
  }

  function settled(probe: boolean, outcomes: StoreOutcome[]): StoreOutcome[] {
    if (probe) probing = false
    return answered(outcomes)
  }

  function rejected(
    probe: boolean,
    error: unknown,
    call: StoreCall,
  ): StoreOutcome[] | Promise<StoreOutcome[]> {
    if (probe) probing = false
    return failed(error, call)
  }

  function decide(call: StoreCall): StoreOutcome[] | Promise<StoreOutcome[]> {
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

  return {
    decide,
    isFallback: (outcomes) => fromFallback.has(outcomes),
    isDown: () => down,
    thrown: (error, call) => rejected(false, error, call),
  }
}
