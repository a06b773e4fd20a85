import type { Duration } from './duration'

/** How usage is counted; each one's guarantee is in the README. */
export type Algorithm = 'sliding-log' | 'sliding-window' | 'gcra' | 'fixed-window'

/** Every algorithm, for validating options and building one script per algorithm. */
export const ALGORITHMS: readonly Algorithm[] = ['sliding-log', 'sliding-window', 'gcra', 'fixed-window']

/** What callers get while the store is failing. */
export type StoreErrorMode = 'memory' | 'allow' | 'deny'

/**
 * One limit: `'20/1m'`, `'100/1h'`, `'10/1s'` (`'10/s'` means one second), or the object form.
 */
export type LimitSpec =
  | string
  | {
      /** Units admitted per window (a positive integer). */
      limit: number
      /** The window length. */
      window: Duration
      /** `gcra` only: units admitted at once from idle; default `limit`. */
      burst?: number
    }

/** Tier name → bucket name → one limit or several that must all hold. Tier order is plan order. */
export type TiersConfig = Record<string, Record<string, LimitSpec | readonly LimitSpec[]>>

/** The verdict of one limit (one window of one bucket) inside a decision. */
export interface LimitResult {
  bucket: string
  /** Policy name in headers: the bucket, or `bucket:window` when a bucket has several limits. */
  name: string
  /** This limit's `RateLimit-Policy` item, e.g. `"api";q=100;w=60`. */
  policy: string
  allowed: boolean
  limit: number
  windowMs: number
  /** Units left after this call. */
  remaining: number
  /** Milliseconds until this limit's usage has fully drained. */
  resetMs: number
  /** Milliseconds until the same call would be admitted; 0 when allowed. */
  retryAfterMs: number
}

/** The same bucket's limit in the next tier, for upgrade hints in 429 bodies. */
export interface NextTierLimit {
  tier: string
  limit: number
  windowMs: number
}

/** What `consume` and `peek` return. Top-level fields describe the most restrictive (or denying) limit. */
export interface RateDecision {
  allowed: boolean
  tier: string
  bucket: string
  limit: number
  remaining: number
  resetMs: number
  retryAfterMs: number
  /** The `RateLimit-Policy` item of the limit the top-level fields describe, e.g. `"api";q=100;w=60`. */
  policy: string
  windowMs: number
  /** Every limit that was checked, in request order (one per bucket, or more for multi-limit buckets). */
  limits: LimitResult[]
  /** The next tier's limit for the deciding bucket; absent on the top tier. */
  nextTier?: NextTierLimit
}

/** One limit as a store sees it: a name unique per bucket, window and algorithm, and its numbers. */
export interface StoreLimit {
  /** `:bucket:windowMs:algorithm`; a store keeps this limit's usage of `key` under key + name. */
  name: string
  limit: number
  windowMs: number
  burst: number
}

/** One atomic decision over one or more limits of one key. */
export interface StoreCall {
  algorithm: Algorithm
  /** The rate-limited key, as the caller gave it. */
  key: string
  limits: readonly StoreLimit[]
  cost: number
  /** false for `peek`: decide without charging. */
  charge: boolean
}

/** A store's verdict for one limit. */
export interface StoreOutcome {
  allowed: boolean
  remaining: number
  resetMs: number
  retryAfterMs: number
}

/**
 * Where usage lives. `decide` checks every limit of the call and charges all of them or none,
 * atomically with respect to other callers sharing the store.
 */
export interface RateStore {
  /** Shown in errors and events. */
  readonly name: string
  decide(call: StoreCall): Promise<StoreOutcome[]> | StoreOutcome[]
  /** Forget the usage of `key` under these limit names. */
  delete(key: string, names: readonly string[]): Promise<void> | void
}

/** Emitted when the store starts failing and when it answers again. */
export type RateTiersEvent =
  | { type: 'store-error'; store: string; mode: StoreErrorMode; error: unknown }
  | { type: 'store-recovered'; store: string; downMs: number }
