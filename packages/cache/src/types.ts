/** One entry of `CacheStore.setMany`. */
export interface StoreEntry {
  key: string
  value: string
  /** Dropped by the store after this long (undefined: never). */
  ttlMs: number | undefined
}

/**
 * What a storage driver implements. Values are opaque strings (the cache's
 * envelope); keys are full stored keys, already prefixed and escaped.
 * `@rc/cache/testing` holds the contract suite every driver must pass.
 * The optional batch and listing methods make `getMany`, `setMany`,
 * `expire` and `keys` one round trip; without them the cache falls back to
 * one call per key (and `keys` is unavailable).
 */
export interface CacheStore {
  /** Driver name, used in errors and events (`'memory'`, `'redis'`, `'postgres'`). */
  readonly name: string
  /** The value, or undefined when missing or physically expired. */
  get(key: string): Promise<string | undefined>
  /** Stores a value that the store drops after `ttlMs` (undefined: never). */
  set(key: string, value: string, ttlMs: number | undefined): Promise<void>
  /** Deletes keys; resolves to how many existed. */
  delete(keys: string[]): Promise<number>
  /** Deletes every key matching a Redis-style glob; resolves to how many. */
  deletePattern(pattern: string): Promise<number>
  /** Current versions of tag keys (0 for a tag never bumped). */
  tagVersions(tagKeys: string[]): Promise<number[]>
  /** Increments tag versions atomically in the store. */
  bumpTags(tagKeys: string[]): Promise<void>
  /** Values of many keys in one round trip, in order (undefined where missing). */
  getMany?(keys: string[]): Promise<(string | undefined)[]>
  /** Writes many entries in one round trip. */
  setMany?(entries: StoreEntry[]): Promise<void>
  /** Writes `value` only if the key still holds `expected` (compare-and-set); true when written. */
  replace?(key: string, expected: string, value: string, ttlMs: number | undefined): Promise<boolean>
  /**
   * Every live key matching a Redis-style glob, read in pages (SCAN, an index scan...), never with a
   * blocking KEYS. As with SCAN, a key may be listed twice, and keys written meanwhile may be missed.
   */
  scan?(pattern: string): AsyncIterable<string>
  /** Takes a lock if free; true when taken. Optional: without it locks are local. */
  lock?(key: string, token: string, ttlMs: number): Promise<boolean>
  /** Releases a lock only if still held with `token`. */
  unlock?(key: string, token: string): Promise<void>
  /** False while a call would queue rather than be sent (disconnected client). */
  isReady?(): boolean
  /**
   * Changes when the store now talks to other servers than before (Redis: a
   * promoted replica after a failover), which may lack writes the old ones
   * acknowledged. The cache then deletes the keys it wrote in the last second
   * or two, so they read as misses rather than as older values. Stores that
   * cannot lose an acknowledged write leave it out.
   */
  generation?(): number
  /**
   * Called once by the cache with its event sink, for what a store reports
   * without failing the call (an `unreplicated` write).
   */
  observe?(emit: (event: CacheEvent) => void): void
  /** A cheap round trip proving the store answers. */
  ping?(): Promise<void>
  /** Stops the driver's own timers; never closes a client the caller passed in. */
  close?(): Promise<void>
}

/** A message between instances so each keeps its l1 coherent. */
export type BusMessage =
  | { type: 'keys'; keys: string[] }
  | { type: 'pattern'; pattern: string }
  | { type: 'tags'; tags: string[] }

/** Carries invalidations between cache instances (see `redisBus`). */
export interface CacheBus {
  /** Starts listening; `onReconnect` fires when messages may have been missed. */
  subscribe(onMessage: (message: BusMessage) => void, onReconnect: () => void): Promise<void>
  /** Best effort, never waits on a disconnected transport. */
  publish(message: BusMessage): void
  close(): Promise<void>
}

/** Turns values into the strings stored, and back. JSON by default. */
export interface Serializer {
  serialize(value: unknown): string
  deserialize(text: string): unknown
}

/** Anything with zod's `safeParse` or a throwing `parse`. */
export type Schema<T> =
  | { safeParse(value: unknown): { success: true; data: T } | { success: false; error: unknown } }
  | { parse(value: unknown): T }

export type CacheEventType =
  | 'hit'
  | 'miss'
  | 'set'
  | 'delete'
  | 'load'
  | 'stale'
  | 'error'
  | 'fallback'
  | 'recover'
  | 'invalidate'
  | 'expire'
  | 'refresh'
  | 'outage-overflow'
  | 'unreplicated'

/** What `onEvent` receives. `layer` says which tier served a hit. */
export interface CacheEvent {
  type: CacheEventType
  key?: string
  layer?: 'l1' | 'store' | 'fallback'
  /** A `CacheError` (its `cause` holds a driver's or loader's own error). */
  error?: unknown
  /**
   * For `stale`: why the stale value was served. `fail-safe` means the loader
   * failed less than `failSafeBackoff` ago and was not called again.
   */
  reason?: 'loader-error' | 'soft-timeout' | 'hard-timeout' | 'fail-safe'
  tags?: string[]
}
