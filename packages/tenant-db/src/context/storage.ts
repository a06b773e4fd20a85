import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * One frame of tenant context: the values of a `runAsTenant` or `withTenant`
 * call, and the transaction that call opened (if any), which nested calls for
 * the same values reuse.
 */
export interface TenantFrame {
  /** Validated values by logical name (`tenant`, `user`, `role`, ...). */
  readonly values: Readonly<Record<string, string>>
  /** The TenantDb or adapter that opened `tx`. */
  readonly owner?: object
  /** The open transaction of `owner`; reused while `isOpen()`. */
  readonly tx?: unknown
  readonly isOpen?: () => boolean
  readonly parent?: TenantFrame
}

// One store per process, however many copies of this package are loaded (ESM and CJS builds,
// two versions in node_modules): a second AsyncLocalStorage would see no tenant where the first
// set one. The key carries a version so that an incompatible frame shape gets its own store.
const KEY = Symbol.for('@rc/tenant-db.context.v1')
const holder = globalThis as { [KEY]?: AsyncLocalStorage<TenantFrame> }

export const tenantStorage: AsyncLocalStorage<TenantFrame> =
  holder[KEY] ?? new AsyncLocalStorage<TenantFrame>()
holder[KEY] = tenantStorage

/** The innermost frame, if any. */
export function currentFrame(): TenantFrame | undefined {
  return tenantStorage.getStore()
}

/** The nearest enclosing frame whose transaction belongs to `owner` and is still open. */
export function openTxOf<T>(owner: object): T | undefined {
  for (let frame = currentFrame(); frame; frame = frame.parent) {
    if (frame.owner === owner && frame.isOpen?.()) return frame.tx as T
  }
  return undefined
}
