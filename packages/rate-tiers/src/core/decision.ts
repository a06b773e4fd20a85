import type { LimitResult, RateDecision, StoreCall, StoreOutcome } from '../types'
import type { ResolvedLimit } from './config'

/** What refund, settle and release need of a decision, built on first use from its hidden fields. */
export interface Receipt {
  /** The rate limits the decision charged (a shadow limit only if it admitted the call). */
  limits: readonly ResolvedLimit[]
  /** The concurrency limits it holds a lease on. */
  leaseLimits: readonly ResolvedLimit[]
  /**
   * What is still charged, by when it was: the call's cost at its time, then any units a settle
   * added. Refunds give back the newest first.
   */
  parts: { at: number; units: number }[]
  released: boolean
}

/** The call behind a decision as this package makes it, with where and when it was decided. */
export interface Call extends StoreCall {
  limits: readonly ResolvedLimit[]
  /** The store's time of the decision. */
  at: number
  /** Decided by the outage fallback, so adjusted there. */
  fallback: boolean
}

// A decision keeps its call (no object of its own per decision) and, once adjusted, its receipt.
export const CALL: unique symbol = Symbol('call')
export const RECEIPT: unique symbol = Symbol('receipt')

/** A decision as this package builds it: every one has the same shape. */
export type Decision = RateDecision & { [CALL]: Call | undefined; [RECEIPT]: Receipt | undefined }

/** The receipt of an admitted consume, made once; undefined when it charged nothing. */
export function receiptOf(d: Decision): Receipt | undefined {
  const call = d[CALL]
  if (call === undefined || !call.charge || !d.allowed) return undefined
  if (d[RECEIPT] !== undefined) return d[RECEIPT]
  const { limits } = call
  const results = d.limits
  let rate = limits
  let leased: readonly ResolvedLimit[] = []
  // Only calls with shadow or concurrency limits need their charged limits picked out.
  if (limits.some((l) => l.shadow || l.concurrency)) {
    rate = limits.filter((m, j) => !m.concurrency && (!m.shadow || results[j]!.allowed))
    leased = limits.filter((m, j) => m.concurrency && results[j]!.allowed)
  }
  d[RECEIPT] = {
    limits: rate,
    leaseLimits: leased,
    parts: [{ at: call.at, units: call.cost }],
    released: false,
  }
  return d[RECEIPT]
}

/** One result per limit, filled in by the store (they are the `out` of `decideInto`). */
export function newResults(limits: readonly ResolvedLimit[]): LimitResult[] {
  // A packed array built by push (a holey `new Array(n)` is slower to read for the rest of its life).
  if (limits.length === 1) return [resultOf(limits[0]!)]
  const results: LimitResult[] = []
  for (let i = 0; i < limits.length; i++) results.push(resultOf(limits[i]!))
  return results
}

function resultOf(l: ResolvedLimit): LimitResult {
  return {
    bucket: l.bucket,
    name: l.policyName,
    policy: l.policy,
    allowed: false,
    limit: l.limit,
    windowMs: l.windowMs,
    remaining: 0,
    resetMs: 0,
    retryAfterMs: 0,
    nextMs: 0,
    shadow: l.shadow,
    concurrency: l.concurrency,
  }
}

/** Copies a store's `decide` answer into the results (stores may answer in fractions of a ms). */
export function copyOutcomes(outcomes: readonly StoreOutcome[], results: readonly StoreOutcome[]): number {
  for (let i = 0; i < results.length; i++) {
    const o = outcomes[i]!
    const r = results[i]!
    r.allowed = o.allowed
    r.remaining = o.remaining
    r.resetMs = Math.ceil(o.resetMs)
    r.retryAfterMs = Math.ceil(o.retryAfterMs)
    r.nextMs = Math.ceil(o.nextMs ?? o.resetMs)
  }
  return outcomes[0]?.at ?? Date.now()
}

/**
 * The decision over filled-in results. Shadow limits never deny; the top-level fields describe the
 * deciding enforced limit: the denial that lasts longest, else the one with the least left.
 */
export function toDecision(
  tier: string,
  limits: readonly ResolvedLimit[],
  results: LimitResult[],
  override: boolean,
  call?: Call,
): Decision {
  let allowed = true
  let pick = -1
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!
    if (r.shadow) continue
    if (!r.allowed) allowed = false
    if (pick < 0) {
      pick = i
      continue
    }
    const best = results[pick]!
    const better = !r.allowed
      ? best.allowed || r.retryAfterMs > best.retryAfterMs
      : best.allowed &&
        (r.remaining < best.remaining || (r.remaining === best.remaining && r.resetMs > best.resetMs))
    if (better) pick = i
  }
  if (pick < 0) pick = 0
  const chosen = results[pick]!
  return {
    allowed,
    tier,
    bucket: chosen.bucket,
    limit: chosen.limit,
    remaining: chosen.remaining,
    resetMs: chosen.resetMs,
    retryAfterMs: allowed ? 0 : chosen.retryAfterMs,
    nextMs: chosen.nextMs,
    policy: chosen.policy,
    windowMs: chosen.windowMs,
    limits: results,
    // Always present (maybe undefined) so every decision has one object shape.
    nextTier: override ? undefined : limits[pick]!.next,
    [CALL]: call,
    [RECEIPT]: undefined,
  }
}
