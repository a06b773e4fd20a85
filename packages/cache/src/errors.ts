import { RcError } from '@rc/internal'

/** Stable codes of every error @rc/cache throws or reports through `onEvent`. */
export type CacheErrorCode =
  | 'CACHE_INVALID_ARGUMENT'
  | 'CACHE_TIMEOUT'
  | 'CACHE_SERIALIZATION'
  | 'CACHE_CORRUPT'
  | 'CACHE_SCHEMA_MISMATCH'
  | 'CACHE_CLOSED'
  | 'CACHE_STORE_UNAVAILABLE'
  | 'CACHE_LOADER_FAILED'
  | 'CACHE_OUTAGE_LOG_OVERFLOW'
  | 'CACHE_NOT_REPLICATED'

/** Base class of every @rc/cache error: check `code`, not the message. */
export class CacheError extends RcError<CacheErrorCode> {
  override readonly name: string = 'CacheError'
  /** The key involved, when there is one. */
  declare readonly key?: string

  constructor(code: CacheErrorCode, message: string, options: { cause?: unknown; key?: string } = {}) {
    super('@rc/cache', code, message, options)
  }
}

/** A loader passed its hard timeout and no stale value could stand in. */
export class CacheTimeoutError extends CacheError {
  override readonly name = 'CacheTimeoutError'
  readonly timeoutMs: number
  constructor(key: string, timeoutMs: number) {
    super(
      'CACHE_TIMEOUT',
      `loader for "${key}" did not finish within its hard timeout of ${timeoutMs} ms and no stale value was available; raise timeout.hard or set a grace period.`,
      { key },
    )
    this.timeoutMs = timeoutMs
  }
}

/**
 * The primary store did not answer in time, is not connected, or failed a
 * command. Reported in `fallback` and `error` events (`cause` holds the
 * driver's own error); cache calls never throw it.
 */
export class CacheStoreError extends CacheError {
  override readonly name = 'CacheStoreError'
  /** The store's driver name (`'redis'`, `'postgres'`...). */
  readonly store: string
  /** `timeout`: no answer within the command timeout; `disconnected`: the client is not connected. */
  readonly reason: 'timeout' | 'disconnected' | 'failed'

  constructor(store: string, reason: CacheStoreError['reason'], detail: string, cause?: unknown) {
    const hint =
      reason === 'timeout'
        ? 'raise storeTimeout if the store is only slow'
        : 'check that the store is running and reachable'
    super('CACHE_STORE_UNAVAILABLE', `${store} store ${detail}; ${hint}.`, { cause })
    this.store = store
    this.reason = reason
  }
}

/**
 * A write reached the primary but fewer replicas than `durability.replicas`
 * acknowledged it within `durability.timeout` (Redis WAIT): a failover in the
 * next moments may lose it. Reported in `unreplicated` events; the call
 * itself succeeded.
 */
export class CacheReplicationError extends CacheError {
  override readonly name = 'CacheReplicationError'
  /** Replicas that acknowledged the write in time. */
  readonly acked: number
  /** Replicas asked for. */
  readonly replicas: number

  constructor(key: string, acked: number, replicas: number, timeoutMs: number) {
    super(
      'CACHE_NOT_REPLICATED',
      `the write of "${key}" was acknowledged by ${acked} of ${replicas} replicas within ${timeoutMs} ms; a failover now may lose it (check the replicas, or raise durability.timeout).`,
      { key },
    )
    this.acked = acked
    this.replicas = replicas
  }
}

/** Wraps what is not already a CacheError, so every error an event carries has a code and the prefix. */
export function asStoreError(store: string, error: unknown): CacheError {
  if (error instanceof CacheError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new CacheStoreError(store, 'failed', `failed a command (${message})`, error)
}

/** A loader's error as reported in events when no caller receives it (background reloads). */
export function loaderFailure(key: string, error: unknown): CacheError {
  if (error instanceof CacheError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new CacheError(
    'CACHE_LOADER_FAILED',
    `the background reload of "${key}" failed (${message}); the current value stays in use until it expires.`,
    { key, cause: error },
  )
}
