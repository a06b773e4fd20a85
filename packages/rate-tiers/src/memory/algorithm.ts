import type { StoreLimit, StoreOutcome } from '../types'

/** Every state knows when it has drained, so the store can drop it. */
export interface Expiring {
  expiresAt: number
}

/**
 * One algorithm over in-process state, the same arithmetic as its Lua script. `check` only reads
 * (a multi-limit call checks every limit first, then charges all or none); all take the same `now`.
 * `charge` and `describe` fill `remaining`, `resetMs`, `retryAfterMs` and `nextMs` of `out`.
 */
export interface MemoryAlgorithm<S extends Expiring> {
  /** Whether `cost` fits now. */
  check(state: S | undefined, limit: StoreLimit, cost: number, now: number): boolean
  /** The outcome of a limit left uncharged. */
  describe(state: S | undefined, limit: StoreLimit, cost: number, now: number, out: StoreOutcome): void
  /** Adds `units`; `out` then describes the new state (no retry when `admitted`). Returns the state to keep. */
  charge(
    state: S | undefined,
    limit: StoreLimit,
    units: number,
    now: number,
    admitted: boolean,
    cost: number,
    out: StoreOutcome,
  ): S
  /** Gives back `units` of the `held` charged at `at` (or charges -units more); undefined drops the state. */
  adjust(
    state: S | undefined,
    limit: StoreLimit,
    units: number,
    at: number,
    held: number,
    now: number,
  ): S | undefined
}

/** Fills the numbers of `out` in one statement per field (shared by the algorithms). */
export function fill(
  out: StoreOutcome,
  remaining: number,
  resetMs: number,
  retryAfterMs: number,
  nextMs: number,
): void {
  out.remaining = remaining
  out.resetMs = resetMs
  out.retryAfterMs = retryAfterMs
  out.nextMs = nextMs
}
