import { SpanKind } from '@opentelemetry/api'
import { rcChannels } from '../channels'
import type { SpanRecipe } from '../recipe'

/** The fields of the @rc/rate-tiers context this package reads. */
export interface RateDecideContext {
  tier: string
  operation: string
  key: string
  algorithm?: string
  cost?: number
  /** False for a peek (checked, not charged). */
  charge?: boolean
  allowed?: boolean
  limit?: number
  remaining?: number
  resetMs?: number
  store?: string
}

export function rateTiersRecipes(): SpanRecipe<RateDecideContext>[] {
  return [
    {
      channel: rcChannels.rateTiers.decide,
      kind: SpanKind.INTERNAL,
      name: () => 'rate-tiers decide',
      attributes: (ctx) => ({
        'rc.rate.tier': ctx.tier,
        'rc.rate.operation': ctx.operation,
        'rc.rate.key': ctx.key,
        'rc.rate.algorithm': ctx.algorithm,
        'rc.rate.cost': ctx.cost,
        'rc.rate.charge': ctx.charge,
      }),
      // A denial is a decision, not a failure: the span's status stays unset.
      result: (ctx, span) =>
        span.setAttributes({
          'rc.rate.allowed': ctx.allowed,
          'rc.rate.limit': Number.isFinite(ctx.limit) ? ctx.limit : undefined,
          'rc.rate.remaining': Number.isFinite(ctx.remaining) ? ctx.remaining : undefined,
          'rc.rate.reset_ms': ctx.resetMs,
          'rc.rate.store': ctx.store,
          'db.system.name': ctx.store === 'redis' ? 'redis' : undefined,
        }),
    },
  ]
}
