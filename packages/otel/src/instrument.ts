import type { AsyncLocalStorage } from 'node:async_hooks'
import { type Context, type ContextManager, type TracerProvider, trace } from '@opentelemetry/api'
import { bridge } from './bridge'
import type { RcPackage } from './channels'
import { resolveStorage } from './context-storage'
import type { SpanRecipe } from './recipe'
import { cacheRecipes } from './recipes/cache'
import { posterRecipes } from './recipes/poster-client'
import { rateTiersRecipes } from './recipes/rate-tiers'
import { tenantDbRecipes } from './recipes/tenant-db'

export interface InstrumentRcOptions {
  /** Where spans go. Default: the global provider (`trace.getTracerProvider()`, set by `NodeSDK.start()`). */
  tracerProvider?: TracerProvider
  /**
   * The AsyncLocalStorage that holds OTel's active context, for nesting. Default: the one inside the
   * global `AsyncLocalStorageContextManager` (or inside `contextManager`).
   */
  asyncLocalStorage?: AsyncLocalStorage<Context>
  /** An `AsyncLocalStorageContextManager` to take the storage from, if it is not the global one. */
  contextManager?: ContextManager
  /** Which packages to observe. Default: all four. */
  packages?: Partial<Record<RcPackage, boolean>>
  /** Record cache keys (`rc.cache.key`). Default `true`; turn off if your keys carry personal data. */
  cacheKeys?: boolean
  /** Record SQL text (`db.query.text`, placeholders only, never values). Default `true`. */
  queryText?: boolean
}

export interface RcInstrumentation {
  /** True when spans become the active context of the operation they trace (nested spans). */
  readonly nested: boolean
  /** Unsubscribes every channel; spans already started still end. Idempotent. */
  disable(): void
}

const TRACER = '@rc/otel'
let current: RcInstrumentation | undefined

/**
 * Turns the rc packages' tracing channels into OpenTelemetry spans. Call it after your OTel SDK has
 * started (its context manager is what makes the spans nest). A second call replaces the first.
 */
export function instrumentRc(options: InstrumentRcOptions = {}): RcInstrumentation {
  current?.disable()
  const provider = options.tracerProvider ?? trace.getTracerProvider()
  const tracer = provider.getTracer(TRACER)
  const storage = resolveStorage(options)
  const enabled = (name: RcPackage) => options.packages?.[name] !== false

  const recipes: SpanRecipe[] = [
    ...(enabled('cache') ? cacheRecipes({ keys: options.cacheKeys !== false }) : []),
    ...(enabled('tenantDb') ? tenantDbRecipes({ queryText: options.queryText !== false }) : []),
    ...(enabled('posterClient') ? posterRecipes() : []),
    ...(enabled('rateTiers') ? rateTiersRecipes() : []),
  ]
  let unsubscribe: (() => void)[] = recipes.map((recipe) => bridge(recipe, tracer, storage))

  const instrumentation: RcInstrumentation = {
    nested: storage !== undefined,
    disable() {
      for (const off of unsubscribe) off()
      unsubscribe = []
      if (current === instrumentation) current = undefined
    },
  }
  current = instrumentation
  return instrumentation
}
