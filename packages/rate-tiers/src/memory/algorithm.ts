import type { StoreLimit } from '../types'

/** A limit's verdict, written into a caller-owned object so the hot path allocates nothing. */
export interface Verdict {
  allowed: boolean
  /** Units left before this call's cost. */
  left: number
  /** Milliseconds until the usage drains: before charging after `check`, after it after `charge`. */
  resetMs: number
  retryAfterMs: number
}

/** Every state knows when it has drained, so the store can drop it. */
export interface Expiring {
  expiresAt: number
}

/**
 * One algorithm over in-process state. `check` only reads, so a multi-limit call can check every
 * limit first and then `charge` them all or none; both take the same `now`.
 */
export interface MemoryAlgorithm<S extends Expiring> {
  check(state: S | undefined, limit: StoreLimit, cost: number, now: number, out: Verdict): void
  /** Charges `cost`; returns the state to keep (the same object when updated in place) and sets `out.resetMs`. */
  charge(state: S | undefined, limit: StoreLimit, cost: number, now: number, out: Verdict): S
}

/** Fills `out` in one statement per field (shared by the algorithms). */
export function verdict(
  out: Verdict,
  allowed: boolean,
  left: number,
  resetMs: number,
  retryAfterMs: number,
): void {
  out.allowed = allowed
  out.left = left
  out.resetMs = resetMs
  out.retryAfterMs = retryAfterMs
}
