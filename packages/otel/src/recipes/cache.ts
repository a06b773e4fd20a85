import { SpanKind } from '@opentelemetry/api'
import { rcChannels } from '../channels'
import type { SpanRecipe } from '../recipe'

/** The fields of the @rc/cache contexts this package reads (see @rc/cache's "Tracing" section). */
export interface CacheContext {
  namespace: string
  key: string
  store?: string
  ttlMs?: number
  tags?: string[]
  outcome?: string
  layer?: string
  loaded?: boolean
  coalesced?: boolean
  deleted?: number
}

/** The batch calls' context: `key` holds the keys joined by a space. */
export interface CacheBatchContext {
  namespace: string
  key: string
  store?: string
  count: number
  hits?: number
  loadedKeys?: number
}

/** `rc:cache:invalidate`'s context. */
export interface CacheInvalidateContext {
  namespace: string
  store?: string
  tags: string[]
  mode: 'invalidate' | 'expire'
  scope: 'namespace' | 'everywhere'
}

// The method that was called, from what the context says of it.
const invalidationMethod = (ctx: CacheInvalidateContext): string =>
  ctx.mode === 'expire'
    ? 'expireTags'
    : ctx.scope === 'everywhere'
      ? 'invalidateTagsEverywhere'
      : 'invalidateTags'

// Stores that are databases get the database semantic convention's system name.
const dbSystem: Record<string, string> = { redis: 'redis', postgres: 'postgresql' }

export function cacheRecipes(options: { keys: boolean }): SpanRecipe[] {
  // What every cache span says of where it ran: the operation, namespace, key (if kept) and store.
  const where = (operation: string, ctx: { namespace: string; key?: string; store?: string }) => ({
    'rc.cache.operation': operation,
    'rc.cache.namespace': ctx.namespace,
    'rc.cache.key': options.keys ? ctx.key : undefined,
    'rc.cache.store': ctx.store,
    'db.system.name': ctx.store ? dbSystem[ctx.store] : undefined,
  })
  const operation = (name: keyof typeof rcChannels.cache): SpanRecipe<CacheContext> => ({
    channel: rcChannels.cache[name],
    kind: SpanKind.INTERNAL,
    name: () => `cache ${name}`,
    attributes: (ctx) => ({
      ...where(name, ctx),
      'rc.cache.ttl_ms': Number.isFinite(ctx.ttlMs) ? ctx.ttlMs : undefined,
      'rc.cache.tags': ctx.tags && ctx.tags.length > 0 ? ctx.tags : undefined,
    }),
    result: (ctx, span) =>
      span.setAttributes({
        'rc.cache.outcome': ctx.outcome,
        'rc.cache.layer': ctx.layer,
        'rc.cache.loaded': ctx.loaded,
        'rc.cache.coalesced': ctx.coalesced,
        'rc.cache.deleted': ctx.deleted,
      }),
  })
  const invalidate: SpanRecipe<CacheInvalidateContext> = {
    channel: rcChannels.cache.invalidate,
    kind: SpanKind.INTERNAL,
    name: (ctx) => `cache ${invalidationMethod(ctx)}`,
    attributes: (ctx) => ({
      ...where(invalidationMethod(ctx), ctx),
      'rc.cache.tags': ctx.tags.length > 0 ? ctx.tags : undefined,
    }),
  }
  const batch = (name: 'getMany' | 'setMany' | 'getOrSetMany'): SpanRecipe<CacheBatchContext> => ({
    channel: rcChannels.cache[name],
    kind: SpanKind.INTERNAL,
    name: () => `cache ${name}`,
    attributes: (ctx) => ({ ...where(name, ctx), 'rc.cache.key_count': ctx.count }),
    result: (ctx, span) =>
      span.setAttributes({ 'rc.cache.hits': ctx.hits, 'rc.cache.loaded_keys': ctx.loadedKeys }),
  })
  return [
    ...(['get', 'set', 'delete', 'getOrSet', 'load'] as const).map(operation),
    invalidate,
    ...(['getMany', 'setMany', 'getOrSetMany'] as const).map(batch),
  ]
}
