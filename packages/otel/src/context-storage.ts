import type { AsyncLocalStorage } from 'node:async_hooks'
import { type Context, type ContextManager, context } from '@opentelemetry/api'

/** What `AsyncLocalStorageContextManager` holds, as far as this package relies on it. */
interface StorageHolder {
  /** A public getter, should @opentelemetry/context-async-hooks add one (open-telemetry/opentelemetry-js#6088). */
  asyncLocalStorage?: unknown
  getAsyncLocalStorage?: () => unknown
  /** Private in @opentelemetry/context-async-hooks up to 3.1 at least: read only when nothing public exists. */
  _asyncLocalStorage?: unknown
}

function isStorage(value: unknown): value is AsyncLocalStorage<Context> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AsyncLocalStorage<unknown>).run === 'function' &&
    typeof (value as AsyncLocalStorage<unknown>).getStore === 'function'
  )
}

/** The storage of a context manager: its public getter if it has one, else its private field. */
export function storageOf(manager: ContextManager | undefined): AsyncLocalStorage<Context> | undefined {
  if (!manager) return undefined
  const holder = manager as unknown as StorageHolder
  const candidates = [
    holder.asyncLocalStorage,
    typeof holder.getAsyncLocalStorage === 'function' ? holder.getAsyncLocalStorage() : undefined,
    holder._asyncLocalStorage,
  ]
  return candidates.find(isStorage)
}

/**
 * The context manager registered with `@opentelemetry/api` (the one `NodeSDK.start()` installs).
 * The API keeps it behind a private method; a manager we cannot read just means no nesting.
 */
export function globalContextManager(): ContextManager | undefined {
  const api = context as unknown as { _getContextManager?: () => ContextManager }
  try {
    return typeof api._getContextManager === 'function' ? api._getContextManager() : undefined
  } catch {
    return undefined
  }
}

/**
 * The storage whose value is OTel's active context: spans bound into it become the parent of what the
 * traced operation calls. Checked: a store that is not the one `context.active()` reads would make
 * spans current for nobody.
 */
export function resolveStorage(options: {
  asyncLocalStorage?: AsyncLocalStorage<Context>
  contextManager?: ContextManager
}): AsyncLocalStorage<Context> | undefined {
  if (options.asyncLocalStorage) return options.asyncLocalStorage
  const manager = options.contextManager ?? globalContextManager()
  const storage = storageOf(manager)
  if (!storage) return undefined
  // `context.active()` (what every tracer reads) must come from this storage, else binding it nests nothing.
  const probe = Symbol('rc-otel-probe')
  const marker = context.active().setValue(probe, true)
  return storage.run(marker, () => context.active().getValue(probe) === true) ? storage : undefined
}
