import type { Duration } from './duration'

/** How usage is counted; each one's guarantee is in the README. */
export type Algorithm = 'sliding-log' | 'sliding-window' | 'gcra' | 'fixed-window'

/** Every algorithm, for validating options and building one script per algorithm. */
export const ALGORITHMS: readonly Algorithm[] = ['sliding-log', 'sliding-window', 'gcra', 'fixed-window']

/** What callers get while the store is failing. */
export type StoreErrorMode = 'memory' | 'allow' | 'deny'

/** A key that goes over is refused for a while; `factor` > 1 makes each repeat offence longer. */
export interface BlockPolicy {
  /** How long the first offence blocks. */
  duration: Duration
  /** Each offence within `forgetAfter` of the last blocks `factor` times longer; default 1 (fixed). */
  factor?: number
  /** Longest block; default `duration × factor⁵` when `factor` > 1. */
  max?: Duration
  /** Offences older than this are forgotten; default the longest block. */
  forgetAfter?: Duration
}

/** Options every limit object accepts. */
interface LimitOptions {
  /** Checked and reported but never denies: for rolling out a new limit. */
  shadow?: boolean
  /** A denied call is charged too (its cost counts), so a flood keeps the key over the limit. */
  chargeDenied?: boolean
  /** After a denial the key is refused on this limit for a while (see BlockPolicy). */
  blockFor?: Duration | BlockPolicy
}

/**
 * One limit: `'20/1m'`, `'100/1h'`, `'10/1s'` (`'10/s'` means one second), the object form, or
 * `{ concurrency: 5 }` for requests in flight.
 */
export type LimitSpec =
  | string
  | (LimitOptions & {
      /** Units admitted per window (a positive integer). */
      limit: number
      /** The window length. */
      window: Duration
      /** `gcra` only: units admitted at once from idle; default `limit`. */
      burst?: number
    })
  | {
      /** Requests in flight at once; each holds a lease until released (or its `lease` ttl passes). */
      concurrency: number
      /** How long a lease lives if never released (a crashed instance); default `'1m'`. */
      lease?: Duration
      shadow?: boolean
      limit?: never
      window?: never
    }

/** Bucket name → one limit or several that must all hold. */
export type BucketsConfig = Record<string, LimitSpec | readonly LimitSpec[]>

/** Tier name → its buckets. Tier order is plan order. */
export type TiersConfig = Record<string, BucketsConfig>

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
  /** Units left after this call (for a concurrency limit: slots free). */
  remaining: number
  /** Milliseconds until this limit's usage has fully drained. */
  resetMs: number
  /** Milliseconds until the same call would be admitted; 0 when allowed. */
  retryAfterMs: number
  /** Milliseconds until more quota is available (the draft's `t`); 0 when none is used. */
  nextMs: number
  /** A shadow limit: reported, never denies. */
  shadow: boolean
  /** A concurrency limit: `limit` requests in flight, `windowMs` is the lease ttl. */
  concurrency: boolean
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
  /** Milliseconds until the deciding limit has more quota (the draft's `t`). */
  nextMs: number
  /** The `RateLimit-Policy` item of the limit the top-level fields describe, e.g. `"api";q=100;w=60`. */
  policy: string
  windowMs: number
  /** Every limit that was checked, in request order (one per bucket, or more for multi-limit buckets). */
  limits: LimitResult[]
  /** The next tier's limit for the deciding bucket; absent on the top tier and for per-key overrides. */
  nextTier?: NextTierLimit
}

/** One limit as a store sees it: a name unique per bucket, window and algorithm, and its numbers. */
export interface StoreLimit {
  /** `:bucket:windowMs:algorithm`; a store keeps this limit's usage of `key` under key + name. */
  name: string
  limit: number
  /** The window, or for a concurrency limit the lease ttl. */
  windowMs: number
  burst: number
  /** Counts leases in flight (one per call, whatever its cost) instead of units in a window. */
  concurrency: boolean
  /** Never denies the call; charged only for calls it would admit. */
  shadow: boolean
  /** A denied call is charged anyway. */
  chargeDenied: boolean
  /** After a denial by this limit, refuse the key on it until the block ends. */
  block: StoreBlock | undefined
}

/** A limit's block policy in milliseconds: the nth offence blocks min(maxMs, ms × factor^(n-1)). */
export interface StoreBlock {
  ms: number
  factor: number
  maxMs: number
  forgetMs: number
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
  /** Lease id for the call's concurrency limits ('' when it has none). */
  lease: string
}

/** A store's verdict for one limit. */
export interface StoreOutcome {
  allowed: boolean
  remaining: number
  resetMs: number
  retryAfterMs: number
  /** Milliseconds until more quota is available; stores that leave it out are read as `resetMs`. */
  nextMs?: number
  /** The store's time of the decision in ms (needed by `adjust`); Date.now() when left out. */
  at?: number
}

/** Changes an earlier decision's charge on every limit it charged, atomically. */
export interface StoreAdjustment {
  algorithm: Algorithm
  key: string
  limits: readonly StoreLimit[]
  /** > 0 gives units back, < 0 charges more (a settle above the charged cost), 0 only releases. */
  units: number
  /** The decision's `at`: units go back to the window (or entries) they were charged to. */
  at: number
  /** Units the decision still holds before this adjustment (gcra gives back no more than have not drained). */
  charged: number
  /** Lease to release on the concurrency limits ('' for none). */
  lease: string
}

/**
 * Where usage lives. `decide` checks every limit of the call and charges all of them or none,
 * atomically with respect to other callers sharing the store. `describeRateStore` from
 * `@rc/rate-tiers/testing` checks a store against this contract.
 */
export interface RateStore {
  /** Shown in errors and events. */
  readonly name: string
  decide(call: StoreCall): Promise<StoreOutcome[]> | StoreOutcome[]
  /** Forget the usage of `key` under these limit names. */
  delete(key: string, names: readonly string[]): Promise<void> | void
  /**
   * Optional, faster `decide`: writes each limit's outcome into `out` (one object per limit, reused
   * by the caller) and returns the store's time of the decision in ms.
   */
  decideInto?(call: StoreCall, out: readonly StoreOutcome[]): Promise<number> | number
  /**
   * Optional (needed by refund, settle and concurrency limits): see StoreAdjustment. Answers the
   * store's time in ms (units charged more count from then; Date.now() when left out).
   */
  adjust?(adjustment: StoreAdjustment): Promise<number | undefined> | number | undefined
  /** Optional: notes `instance` as live for `ttlMs` and answers how many instances are live. */
  presence?(instance: string, ttlMs: number): Promise<number>
}

/** Emitted when the store starts failing and when it answers again, and for shadow denials. */
export type RateTiersEvent =
  | { type: 'store-error'; store: string; mode: StoreErrorMode; error: unknown }
  | { type: 'store-recovered'; store: string; downMs: number }
  /** A refund, settle or release the store did not take (the lease then ends with its ttl). */
  | { type: 'adjust-error'; store: string; error: unknown }
  /** A shadow limit would have denied this call; it was admitted (or denied) by the others. */
  | { type: 'shadow-denied'; key: string; tier: string; bucket: string; name: string; decision: RateDecision }
