import type { StoreLimit, StoreOutcome } from '../types'
import { type Expiring, fill } from './algorithm'

/** Leases in flight: id → expiry. */
export interface LeaseState extends Expiring {
  leases: Map<string, number>
}

/** A concurrency limit's check: a free slot, whatever the cost (same rules as the Lua prelude). */
export function leaseCheck(state: LeaseState | undefined, limit: StoreLimit, now: number, out: StoreOutcome) {
  let first = Number.POSITIVE_INFINITY
  if (state !== undefined) {
    for (const [id, until] of state.leases) {
      if (until <= now) state.leases.delete(id)
      else if (until < first) first = until
    }
  }
  const left = limit.limit - (state?.leases.size ?? 0)
  if (left >= 1) {
    fill(out, left, 0, 0, 0)
    return true
  }
  // When a lease ends is unknown: say a second, or the oldest lease's expiry when sooner.
  const wait = Math.ceil(Math.max(1, Math.min(1000, first - now)))
  fill(out, 0, 0, wait, wait)
  return false
}

export function leaseTake(
  state: LeaseState | undefined,
  limit: StoreLimit,
  lease: string,
  now: number,
  out: StoreOutcome,
): LeaseState {
  const next = state ?? { leases: new Map(), expiresAt: 0 }
  next.leases.set(lease, now + limit.windowMs)
  // The state lives as long as its longest lease (tiers may give one bucket different ttls).
  next.expiresAt = Math.max(next.expiresAt, now + limit.windowMs)
  out.remaining -= 1
  return next
}

/** "until offenses", kept for the forget period so that repeat offenders are remembered. */
export interface BlockState extends Expiring {
  until: number
  offenses: number
}

export function blocked(state: BlockState | undefined, now: number, out: StoreOutcome): boolean {
  if (state === undefined || state.until <= now) return false
  const left = Math.ceil(state.until - now)
  fill(out, 0, left, left, left)
  return true
}

export function block(
  state: BlockState | undefined,
  limit: StoreLimit,
  now: number,
  out: StoreOutcome,
): BlockState {
  const b = limit.block!
  const offenses = (state !== undefined && state.expiresAt > now ? state.offenses : 0) + 1
  const ms = Math.min(b.maxMs, b.ms * b.factor ** (offenses - 1))
  const d = Math.ceil(ms)
  out.remaining = 0
  out.resetMs = Math.max(out.resetMs, d)
  out.retryAfterMs = Math.max(out.retryAfterMs, d)
  out.nextMs = Math.max(out.nextMs ?? 0, d)
  return { until: now + ms, offenses, expiresAt: now + Math.max(ms, b.forgetMs) }
}
