import type { StoreLimit } from '../types'

/** The verdict of one limit before anything is charged. */
export interface Check {
  allowed: boolean
  /** Units left before this call's cost. */
  left: number
  /** Milliseconds until the current usage drains, before charging. */
  resetMs: number
  retryAfterMs: number
}

/**
 * One algorithm over in-process state. `check` reads only, so a multi-limit call can check every
 * limit first and `charge` them all or none; both take the same `now`.
 */
export interface MemoryAlgorithm<S> {
  check(state: S | undefined, limit: StoreLimit, cost: number, now: number): Check
  /** Charges `cost` and returns the state to keep with its expiry time and the new resetMs. */
  charge(
    state: S | undefined,
    limit: StoreLimit,
    cost: number,
    now: number,
  ): { state: S; expiresAt: number; resetMs: number }
}
