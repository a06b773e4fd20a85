/** What every rc error may carry besides its message: the cause, and context fields such as `key`. */
export type RcErrorOptions = { cause?: unknown } & Record<string, unknown>

/**
 * The base of each package's error base class (`CacheError`, `TenantDbError`, ...): a stable
 * `code`, the `cause` passed through, context fields set as own properties (only those given), and
 * a message that starts with the package, `[@rc/cache] ...`, so a log line says where it came from.
 */
export class RcError<Code extends string = string> extends Error {
  readonly code: Code

  constructor(scope: `@rc/${string}`, code: Code, message: string, options: RcErrorOptions = {}) {
    const { cause, ...context } = options
    super(`[${scope}] ${message}`, cause === undefined ? undefined : { cause })
    this.code = code
    for (const [name, value] of Object.entries(context)) {
      if (value !== undefined) Object.defineProperty(this, name, { value, enumerable: true })
    }
  }
}
