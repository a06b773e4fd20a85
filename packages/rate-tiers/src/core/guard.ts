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

/** A store decision that falls back per `onStoreError` while the store fails (a circuit breaker). */
export type GuardedDecide = (call: StoreCall) => Promise<Guarded>

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

  async function degraded(call: StoreCall): Promise<Guarded> {
    return { outcomes: await fallbackOutcomes(call), fromStore: false }
  }

  async function fallbackOutcomes(call: StoreCall): Promise<StoreOutcome[]> {
    if (mode === 'memory') return fallback.decide(call)
    if (mode === 'allow') {
      return call.limits.map((l) => ({
        allowed: true,
        remaining: Math.max(0, l.limit - (call.charge ? call.cost : 0)),
        resetMs: 0,
        retryAfterMs: 0,
      }))
    }
    return call.limits.map(() => ({ allowed: false, remaining: 0, resetMs: retryMs, retryAfterMs: retryMs }))
  }

  function markDown(error: unknown): void {
    nextProbeAt = Date.now() + retryMs
    if (down) return
    down = true
    downSince = Date.now()
    emit({ type: 'store-error', store: store.name, mode, error })
  }

  return async function decide(call) {
    const probe = down
    if (probe) {
      if (probing || Date.now() < nextProbeAt) return degraded(call)
      probing = true
    }
    try {
      const outcomes = await store.decide(call)
      if (down) {
        down = false
        emit({ type: 'store-recovered', store: store.name, downMs: Date.now() - downSince })
      }
      return { outcomes, fromStore: true }
    } catch (error) {
      markDown(error)
      return degraded(call)
    } finally {
      if (probe) probing = false
    }
  }
}
