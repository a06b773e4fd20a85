import type {
  RateStore,
  RateTiersEvent,
  StoreAdjustment,
  StoreCall,
  StoreErrorMode,
  StoreLimit,
  StoreOutcome,
} from '../types'
import { copyOutcomes } from './decision'

export interface GuardOptions {
  store: RateStore
  mode: StoreErrorMode
  /** While the store is down, one call per interval tries it again; the rest use the fallback. */
  retryMs: number
  fallback: RateStore
  /** How many instances share the store, as last known: the fallback admits 1/n of each limit. */
  peers: () => number
  onEvent: ((event: RateTiersEvent) => void) | undefined
}

/** A decision the fallback made (at its own time), not the store. */
export class FallbackAnswer {
  constructor(readonly at: number) {}
}

/** The store's time of a decision, or the fallback's answer. */
export type Answer = number | FallbackAnswer

/**
 * Store decisions that fall back per `onStoreError` while the store fails (a circuit breaker).
 * A synchronous store (memory) gets a synchronous answer, so its hot path makes no promises.
 */
export interface Guard {
  decide(call: StoreCall, out: readonly StoreOutcome[]): Answer | Promise<Answer>
  /**
   * Adjusts an earlier decision where it was made; store errors are reported, never thrown.
   * Answers the store's time of the adjustment.
   */
  adjust(adjustment: StoreAdjustment, fallback: boolean): Promise<number>
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function'
}

/** `decideInto` of a store, or one made from its `decide`. */
function intoOf(
  store: RateStore,
): (call: StoreCall, out: readonly StoreOutcome[]) => number | Promise<number> {
  if (store.decideInto) return store.decideInto.bind(store)
  return (call, out) => {
    const outcomes = store.decide(call)
    if (!isThenable(outcomes)) return copyOutcomes(outcomes, out)
    return Promise.resolve(outcomes).then((o) => copyOutcomes(o, out))
  }
}

export function createGuard({ store, mode, retryMs, fallback, peers, onEvent }: GuardOptions): Guard {
  const decideInto = intoOf(store)
  const fallbackInto = intoOf(fallback)
  // One scaled copy per limit and instance count: the fallback keeps state under the same names.
  const shares = new WeakMap<StoreLimit, { n: number; limit: StoreLimit }>()
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

  function share(limit: StoreLimit, n: number): StoreLimit {
    if (n <= 1) return limit
    const known = shares.get(limit)
    if (known?.n === n) return known.limit
    const scaled = {
      ...limit,
      limit: Math.max(1, Math.floor(limit.limit / n)),
      burst: Math.max(1, Math.floor(limit.burst / n)),
    }
    shares.set(limit, { n, limit: scaled })
    return scaled
  }

  function shared<T extends { limits: readonly StoreLimit[] }>(call: T): T {
    const n = peers()
    return n <= 1 ? call : { ...call, limits: call.limits.map((l) => share(l, n)) }
  }

  function degraded(call: StoreCall, out: readonly StoreOutcome[]): Answer | Promise<Answer> {
    if (mode === 'memory') {
      const at = fallbackInto(shared(call), out)
      return isThenable(at) ? Promise.resolve(at).then((a) => new FallbackAnswer(a)) : new FallbackAnswer(at)
    }
    for (let i = 0; i < out.length; i++) {
      const o = out[i]!
      const l = call.limits[i]!
      o.allowed = mode === 'allow'
      o.remaining = mode === 'allow' ? Math.max(0, l.limit - (call.charge ? call.cost : 0)) : 0
      o.resetMs = mode === 'allow' ? 0 : retryMs
      o.retryAfterMs = mode === 'allow' ? 0 : retryMs
      o.nextMs = mode === 'allow' ? 0 : retryMs
    }
    return new FallbackAnswer(Date.now())
  }

  function failed(error: unknown, call: StoreCall, out: readonly StoreOutcome[]): Answer | Promise<Answer> {
    nextProbeAt = Date.now() + retryMs
    if (!down) {
      down = true
      downSince = Date.now()
      emit({ type: 'store-error', store: store.name, mode, error })
    }
    return degraded(call, out)
  }

  function answered(probe: boolean, at: number): number {
    if (probe) probing = false
    if (down) {
      down = false
      emit({ type: 'store-recovered', store: store.name, downMs: Date.now() - downSince })
    }
    return at
  }

  function rejected(probe: boolean, error: unknown, call: StoreCall, out: readonly StoreOutcome[]) {
    if (probe) probing = false
    return failed(error, call, out)
  }

  return {
    decide(call, out) {
      const probe = down
      if (probe) {
        if (probing || Date.now() < nextProbeAt) return degraded(call, out)
        probing = true
      }
      let result: number | Promise<number>
      try {
        result = decideInto(call, out)
      } catch (error) {
        return rejected(probe, error, call, out)
      }
      if (typeof result === 'number') return answered(probe, result)
      return result.then(
        (at) => answered(probe, at),
        (error: unknown) => rejected(probe, error, call, out),
      )
    },
    async adjust(adjustment, fromFallback) {
      const target = fromFallback ? fallback : store
      if (fromFallback && mode !== 'memory') return Date.now()
      try {
        return (await target.adjust!(fromFallback ? shared(adjustment) : adjustment)) ?? Date.now()
      } catch (error) {
        emit({ type: 'adjust-error', store: target.name, error })
        return Date.now()
      }
    },
  }
}
