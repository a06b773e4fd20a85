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

// Stores that are databases get the database semantic convention's system name.
const dbSystem: Record<string, string> = { redis: 'redis', postgres: 'postgresql' }

export function cacheRecipes(options: { keys: boolean }): SpanRecipe<CacheContext>[] {
  const operation = (name: keyof typeof rcChannels.cache): SpanRecipe<CacheContext> => ({
    channel: rcChannels.cache[name],
    kind: SpanKind.INTERNAL,
    name: () => `cache ${name}`,
    attributes: (ctx) => ({
      'rc.cache.operation': name,
      'rc.cache.namespace': ctx.namespace,
      'rc.cache.key': options.keys ? ctx.key : undefined,
      'rc.cache.store': ctx.store,
      'db.system.name': ctx.store ? dbSystem[ctx.store] : undefined,
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
  return (['get', 'set', 'delete', 'getOrSet', 'load'] as const).map(operation)
}
