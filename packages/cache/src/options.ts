import { z } from 'zod'
import { type Duration, toMs } from './duration'
import { CacheError } from './errors'
import type { CacheBus, CacheEvent, CacheStore, Schema, Serializer } from './types'

export interface L1Options {
  /** Most values kept in process. Default 5,000. */
  maxEntries?: number
  /** Longest a value stays in l1 whatever its TTL (bounds staleness without a bus). Default: the entry's TTL. */
  ttl?: Duration
  /**
   * What callers get from an l1 hit. `false` (default): the cached object itself, fastest, and a caller
   * that mutates it changes what others read. `'freeze'`: the object deep-frozen when it enters l1
   * (a mutation throws in strict mode). `'structured'`: a `structuredClone` per hit.
   */
  clone?: 'structured' | 'freeze' | false
}

export interface CacheOptions {
  /** Where entries live. Default `memoryStore()`. */
  store?: CacheStore
  /** Serves while `store` is unreachable (usually `memoryStore()`). Without it, reads miss and writes are kept for replay. */
  fallback?: CacheStore
  /** In-process near cache of deserialized values; `true` for defaults. Off by default. */
  l1?: L1Options | boolean
  /** Carries invalidations so every instance's l1 stays coherent (`redisBus`). */
  bus?: CacheBus
  /** Prefix of every stored key. Default `'rc'`. */
  prefix?: string
  /** Default time to live. Default `'5m'`; `Infinity` never expires. */
  ttl?: Duration
  /** How long an expired value is kept to stand in when a loader fails or is slow. Default 0. */
  grace?: Duration
  /** Random fraction (0-1) taken off each TTL so keys written together do not expire together. Default 0. */
  jitter?: number
  /** Loader timeouts: past `soft` a stale value is served, past `hard` the call fails (or serves stale). */
  timeout?: { soft?: Duration; hard?: Duration }
  /** Stampede protection: `'local'` (per process, default) or `'distributed'` (one loader across instances). */
  lock?: 'local' | 'distributed'
  /** Lifetime of a distributed lock, and longest a waiter waits for it. Default `'10s'`. */
  lockTtl?: Duration
  /** Turns values into stored strings. Default JSON. */
  serializer?: Serializer
  /**
   * Longest one store command may take before the store counts as down (judged in quarters: a command
   * counts as timed out between 1 and 1.25 times this). Default `'50ms'`.
   */
  storeTimeout?: Duration
  /** Delay between probes of a store that is down. Default `'250ms'`. */
  probeInterval?: Duration
  /** Longest a bulk command (pattern delete, clear, key listing page) may take once the store answered a ping. Default `'30s'`. */
  bulkTimeout?: Duration
  /**
   * Keys, tags and patterns remembered during an outage for replay. Past it the log overflows (an
   * `outage-overflow` event) and recovery deletes every key of the prefix from the primary instead.
   * Default 100,000.
   */
  maxOutageKeys?: number
  /**
   * Fraction of the TTL (0-1, exclusive) after which a `getOrSet` hit starts one background reload
   * and still returns the current value at once. Off by default.
   */
  refreshAhead?: number
  /**
   * After a loader fails and a stale value is served, the loader of that key is not called again
   * for this long (per process): callers get the stale value meanwhile. `0` retries on every call.
   * Default `'5s'`.
   */
  failSafeBackoff?: Duration
  /** Receives hit, miss, set, delete, load, stale, error, fallback, recover, invalidate, expire, refresh and outage-overflow events. */
  onEvent?: (event: CacheEvent) => void
}

export interface SetOptions {
  ttl?: Duration
  tags?: string[]
  grace?: Duration
}

export interface GetOptions<T> {
  /** Values failing it are misses. Any object with zod's `safeParse` or a `parse`. */
  schema?: Schema<T>
}

export interface GetOrSetOptions<T> extends SetOptions, GetOptions<T> {
  timeout?: { soft?: Duration; hard?: Duration }
  /** This call's refresh-ahead fraction (see `CacheOptions.refreshAhead`); `false` turns it off. */
  refreshAhead?: number | false
}

/** One entry of `setMany`: a key, its value and, optionally, its own TTL, grace and tags. */
export interface SetManyEntry extends SetOptions {
  key: string
  value: unknown
}

/**
 * What a loader receives. It may change `ttl`, `grace` and `tags` for the value it returns
 * (a token with its own expiry, an empty answer kept briefly), or call `skip()` so the value is
 * returned to the callers waiting for it but not cached.
 */
export interface LoaderContext<T> {
  /** Aborted when the hard timeout passes. */
  readonly signal: AbortSignal
  /** The expired value still in grace, if any. */
  readonly stale: T | undefined
  /** TTL of what the loader returns; starts as the call's (undefined: the cache default). */
  ttl: Duration | undefined
  /** Grace of what the loader returns; starts as the call's. */
  grace: Duration | undefined
  /** Tags of what the loader returns; starts as a copy of the call's. */
  tags: string[] | undefined
  /** Returns the loaded value without caching it. */
  skip(): void
}

/** What `getOrSetMany`'s loader receives: `stale` lines up with the keys it is asked for. */
export interface ManyLoaderContext<T> extends Omit<LoaderContext<T>, 'stale'> {
  readonly stale: readonly (T | undefined)[]
}

// zod's number() refuses Infinity, which a ttl may be (never expires).
const duration = z.union([z.number(), z.string(), z.literal(Number.POSITIVE_INFINITY)])
const refreshFraction = z
  .number()
  .gt(0, 'must be between 0 and 1 (a fraction of the TTL)')
  .lt(1, 'must be between 0 and 1 (a fraction of the TTL)')
const storeShape = z.custom<CacheStore>(
  (v) => typeof v === 'object' && v !== null && typeof (v as CacheStore).get === 'function',
  'must be a store such as memoryStore(), redisStore() or postgresStore()',
)
const optionsSchema = z.object({
  store: storeShape.optional(),
  fallback: storeShape.optional(),
  l1: z
    .union([
      z.boolean(),
      z.object({
        maxEntries: z.number().int().positive().optional(),
        ttl: duration.optional(),
        clone: z.union([z.enum(['structured', 'freeze']), z.literal(false)]).optional(),
      }),
    ])
    .optional(),
  bus: z
    .custom<CacheBus>(
      (v) => typeof v === 'object' && v !== null && 'publish' in v,
      'must be a bus such as redisBus()',
    )
    .optional(),
  prefix: z.string().min(1).optional(),
  ttl: duration.optional(),
  grace: duration.optional(),
  jitter: z.number().min(0).max(1).optional(),
  timeout: z.object({ soft: duration.optional(), hard: duration.optional() }).optional(),
  lock: z.enum(['local', 'distributed']).optional(),
  lockTtl: duration.optional(),
  serializer: z
    .custom<Serializer>((v) => typeof v === 'object' && v !== null && 'serialize' in v && 'deserialize' in v)
    .optional(),
  storeTimeout: duration.optional(),
  probeInterval: duration.optional(),
  bulkTimeout: duration.optional(),
  maxOutageKeys: z.number().int().positive().optional(),
  refreshAhead: refreshFraction.optional(),
  failSafeBackoff: duration.optional(),
  onEvent: z.function().optional(),
})

export function validateOptions(options: CacheOptions): void {
  const result = optionsSchema.safeParse(options)
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ')
    throw new CacheError('CACHE_INVALID_ARGUMENT', `invalid createCache options: ${issues}.`, {
      cause: result.error,
    })
  }
}

/** Loader timeouts in ms; a bound not given keeps its default. */
export function loaderTimeouts(
  timeout: { soft?: Duration; hard?: Duration } | undefined,
  defaults: { softMs?: number; hardMs?: number },
): { softMs: number | undefined; hardMs: number | undefined } {
  return {
    softMs: timeout?.soft === undefined ? defaults.softMs : toMs(timeout.soft, 'timeout.soft'),
    hardMs: timeout?.hard === undefined ? defaults.hardMs : toMs(timeout.hard, 'timeout.hard'),
  }
}

/** A TTL in ms; Infinity for never. Zero and negatives are mistakes, not "no cache". */
export function toTtl(value: Duration, what: string): number {
  if (value === Number.POSITIVE_INFINITY) return value
  const ms = toMs(value, what)
  if (ms <= 0) {
    throw new CacheError(
      'CACHE_INVALID_ARGUMENT',
      `${what} must be positive (use Infinity for no expiry), got ${value}.`,
    )
  }
  return ms
}

/** A refresh-ahead fraction given to one call, checked like the option. */
export function toRefreshAhead(value: number | false | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (value === false) return 0
  if (!(typeof value === 'number' && value > 0 && value < 1)) {
    throw new CacheError(
      'CACHE_INVALID_ARGUMENT',
      `refreshAhead must be a fraction of the TTL between 0 and 1 (such as 0.8) or false, got ${String(value)}.`,
    )
  }
  return value
}

export function validateTags(tags: unknown): string[] | undefined {
  if (tags === undefined) return undefined
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || t.length === 0)) {
    throw new CacheError(
      'CACHE_INVALID_ARGUMENT',
      `tags must be an array of non-empty strings, got ${JSON.stringify(tags)}.`,
    )
  }
  return tags.length > 0 ? tags : undefined
}

/** The value if it passes the schema, else `schemaFailure`. */
export const schemaFailure: unique symbol = Symbol('schema failure')
export function checkSchema<T>(schema: Schema<T> | undefined, value: unknown): T | typeof schemaFailure {
  if (!schema) return value as T
  if ('safeParse' in schema) {
    const result = schema.safeParse(value)
    return result.success ? result.data : schemaFailure
  }
  try {
    return schema.parse(value)
  } catch {
    return schemaFailure
  }
}
