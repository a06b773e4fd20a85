/** One sliding window: at most `limit` requests in any `windowMs`. */
export interface RateWindow {
  windowMs: number
  limit: number
}

/** What a store enforces for one account key. */
export interface RateLimitPolicy {
  /** Sliding windows, all enforced together (per second, per minute). */
  windows: RateWindow[]
  /** Leases held at once. */
  maxConcurrent: number
  /** A lease not released within this time is dropped (a crashed process must not hold a slot forever). */
  leaseMs: number
}

/** Answer of {@link RateLimitStore.tryAcquire}. */
export type AcquireResult = { granted: true } | { granted: false; retryInMs: number }

/**
 * Where slots are counted. A request occupies its slot from the grant until `windowMs` after its
 * release: it may reach Poster at any moment before its answer comes back, so only the release
 * time bounds when Poster saw it. Stores shared between instances (Redis) make one limit hold for
 * every process using the same account key. Implement this to bring another backend.
 */
export interface RateLimitStore {
  /** Take a slot under `policy` for `key` now, holding lease `leaseId`, or say how long to wait. */
  tryAcquire(key: string, leaseId: string, policy: RateLimitPolicy): Promise<AcquireResult>
  /** The request of `leaseId` is over; its slot counts in the windows from now on. */
  release(key: string, leaseId: string): Promise<void>
  /**
   * Grant nothing for `key` for `ms` from now, to every client sharing the store (Poster answered 429
   * with Retry-After). A longer pause already running is kept. Optional: without it, only the client
   * that saw the 429 waits.
   */
  pause?(key: string, ms: number): Promise<void>
}
