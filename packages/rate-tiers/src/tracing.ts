import { type TracedContext, tracer } from '@rc/internal'
import type { Algorithm } from './types'

/**
 * The `node:diagnostics_channel` TracingChannels this package publishes (see "Tracing" in the
 * README): `tracingChannel(rateTiersChannels.decide).subscribe({ start, end, asyncStart, asyncEnd, error })`.
 */
export const rateTiersChannels = {
  decide: 'rc:rate-tiers:decide',
} as const

/** `rc:rate-tiers:decide`: one `consume` or `peek` decision. */
export interface RateTiersDecideContext extends TracedContext {
  tier: string
  /** The operation class: the bucket, or several joined by `','`. */
  operation: string
  /** The bucket key as the caller gave it (a tenant or user id). */
  key: string
  algorithm: Algorithm
  cost: number
  /** `false` for `peek` (nothing charged). */
  charge: boolean
  /** Result fields, set before the call settles: the decision's top-level figures. */
  allowed?: boolean
  limit?: number
  remaining?: number
  resetMs?: number
  /** Who decided: the store (`'redis'`, `'memory'`, a custom store's name) or `'fallback'` during an outage. */
  store?: string
}

export const tracers = {
  decide: tracer<RateTiersDecideContext>(rateTiersChannels.decide),
}
