import { RcError } from '@rc/internal'

/** Stable codes of every error @rc/cache throws. */
export type CacheErrorCode =
  | 'CACHE_INVALID_ARGUMENT'
  | 'CACHE_TIMEOUT'
  | 'CACHE_SERIALIZATION'
  | 'CACHE_CORRUPT'
  | 'CACHE_SCHEMA_MISMATCH'
  | 'CACHE_CLOSED'
  | 'CACHE_STORE_UNAVAILABLE'

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
