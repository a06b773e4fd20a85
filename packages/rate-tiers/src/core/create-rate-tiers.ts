import { type Duration, toMs } from '../duration'
import { RateTiersError, UnknownBucketError } from '../errors'
import type { Verdict } from '../memory/algorithm'
import { memoryRateStore, singleLimitPath } from '../memory/store'
import {
  ALGORITHMS,
  type Algorithm,
  type LimitResult,
  type RateDecision,
  type RateStore,
  type RateTiersEvent,
  type StoreErrorMode,
  type StoreOutcome,
  type TiersConfig,
} from '../types'
import { BlockCache } from './block-cache'
import { type ResolvedLimit, resolveTiers } from './config'
import { createGuard } from './guard'
import { type ConsumeInput, resolveCall } from './input'

/** Options of `createRateTiers`. */
export interface RateTiersOptions {
  /** Tier → bucket → limit(s), e.g. `{ free: { api: '20/1m' } }`. Validated at creation. */
  tiers: TiersConfig
  /** Where usage lives. Default: an in-process memory store (one instance only). */
  store?: RateStore
  /** Default `'sliding-log'` (exact). */
  algorithm?: Algorithm
  /** While the store fails: a local memory limiter (`'memory'`, default), admit all, or deny all. */
  onStoreError?: StoreErrorMode
  /** While the store is down, how often one call tries it again. Default `'1s'`. */
  storeRetry?: Duration
  /** Entries of the in-process cache of denied keys; `0` turns it off. Default 10 000. */
  blockCacheSize?: number
  /** Store switch and recovery events (log them). */
  onEvent?: (event: RateTiersEvent) => void
}

/** What `reset` takes: forget a key's usage in every bucket, or in one. */
export interface ResetInput {
  key: string
  bucket?: string
}

/** A configured limiter; see `createRateTiers`. */
export interface RateTiers {
  /** Checks and charges atomically; a denied call charges nothing. */
  consume(input: ConsumeInput): Promise<RateDecision>
  /** The decision `consume` would make now, without charging. */
  peek(input: ConsumeInput): Promise<RateDecision>
  /** Forgets usage of a key (every tier's windows of the bucket, or of all buckets). */
  reset(input: ResetInput): Promise<void>
  /** Tier names in plan order. */
  readonly tierNames: readonly string[]
}

const MODES: readonly StoreErrorMode[] = ['memory', 'allow', 'deny']

/** Creates a limiter over `tiers`, validating the whole config up front. */
export function createRateTiers(options: RateTiersOptions): RateTiers {
  const algorithm = options.algorithm ?? 'sliding-log'
  const mode = options.onStoreError ?? 'memory'
  if (!ALGORITHMS.includes(algorithm)) {
    throw new RateTiersError(
      'RATE_TIERS_INVALID_CONFIG',
      `algorithm must be one of ${ALGORITHMS.join(', ')}; got ${JSON.stringify(algorithm)}.`,
    )
  }
  if (!MODES.includes(mode)) {
    throw new RateTiersError(
      'RATE_TIERS_INVALID_CONFIG',
      `onStoreError must be one of ${MODES.join(', ')}; got ${JSON.stringify(mode)}.`,
    )
  }
  const tiers = resolveTiers(options.tiers, algorithm)
  const store = options.store ?? memoryRateStore()
  const guard = createGuard({
    store,
    mode,
    retryMs: toMs(options.storeRetry ?? '1s', 'storeRetry'),
    fallback: memoryRateStore(),
    onEvent: options.onEvent,
  })
  const blockCacheSize = options.blockCacheSize ?? 10_000
  const blocked = blockCacheSize > 0 ? new BlockCache(blockCacheSize) : undefined
  const gcra = algorithm === 'gcra'
  // A memory store's single-limit path, reached directly: no call or outcome objects per decision.
  const decideOne = singleLimitPath(store, algorithm)
  const verdict: Verdict = { allowed: false, left: 0, resetMs: 0, retryAfterMs: 0 }

  const bucketNames = () => [...new Set([...tiers.values()].flatMap((buckets) => [...buckets.keys()]))]
  const cacheIdOf = (input: ConsumeInput) =>
    `${input.key}\u0000${input.tier}\u0000${input.bucket ?? input.buckets?.join('\u0000')}`

  function finish(
    input: ConsumeInput,
    limits: readonly ResolvedLimit[],
    charge: boolean,
    outcomes: StoreOutcome[],
  ) {
    const decision = toDecision(input.tier, limits, outcomes)
    // Only the shared store's denials are cached: a fallback's local view must not outlive the outage.
    if (blocked && charge && !decision.allowed && decision.retryAfterMs > 0 && !guard.isFallback(outcomes)) {
      blocked.set(cacheIdOf(input), input.cost ?? 1, Date.now(), decision)
    }
    return decision
  }

  // Not async: with a synchronous store the whole decision happens before the promise is made.
  function run(input: ConsumeInput, charge: boolean): Promise<RateDecision> {
    let limits: readonly ResolvedLimit[]
    try {
      limits = resolveCall(tiers, input, gcra)
    } catch (error) {
      return Promise.reject(error)
    }
    const cost = input.cost ?? 1
    if (blocked && charge && blocked.size > 0) {
      const hit = blocked.get(cacheIdOf(input), cost, Date.now())
      if (hit) return Promise.resolve(hit)
    }
    if (decideOne !== undefined && limits.length === 1 && !guard.isDown()) {
      const limit = limits[0]!
      try {
        decideOne(input.key, limit, cost, charge, verdict)
      } catch (error) {
        // As if the store had thrown inside guard.decide: a store error, then fallback and recovery.
        const call = { algorithm, key: input.key, limits, cost, charge }
        return settle(input, limits, charge, guard.thrown(error, call))
      }
      const decision = decisionOfOne(input.tier, limit, verdict)
      if (blocked && charge && !decision.allowed && decision.retryAfterMs > 0) {
        blocked.set(cacheIdOf(input), cost, Date.now(), decision)
      }
      return Promise.resolve(decision)
    }
    return settle(input, limits, charge, guard.decide({ algorithm, key: input.key, limits, cost, charge }))
  }

  function settle(
    input: ConsumeInput,
    limits: readonly ResolvedLimit[],
    charge: boolean,
    outcomes: StoreOutcome[] | Promise<StoreOutcome[]>,
  ): Promise<RateDecision> {
    if (outcomes instanceof Promise) return outcomes.then((o) => finish(input, limits, charge, o))
    return Promise.resolve(finish(input, limits, charge, outcomes))
  }

  return {
    tierNames: [...tiers.keys()],
    consume: (input) => run(input, true),
    peek: (input) => run(input, false),
    async reset({ key, bucket }) {
      if (typeof key !== 'string' || key.length === 0) {
        throw new RateTiersError('RATE_TIERS_INVALID_ARGUMENT', 'reset needs a non-empty key.')
      }
      const names = new Set<string>()
      for (const buckets of tiers.values()) {
        for (const [name, limits] of buckets) {
          if (bucket === undefined || bucket === name) for (const l of limits) names.add(l.name)
        }
      }
      if (names.size === 0) throw new UnknownBucketError(undefined, String(bucket), bucketNames())
      blocked?.deletePrefix(`${key}\u0000`)
      await store.delete(key, [...names])
    },
  }
}

/** `toDecision` for one limit, read from a verdict: the same decision without the arrays it walks. */
function decisionOfOne(tier: string, l: ResolvedLimit, v: Verdict): RateDecision {
  const { allowed, left } = v
  const resetMs = Math.ceil(v.resetMs)
  const retryAfterMs = Math.ceil(v.retryAfterMs)
  return {
    allowed,
    tier,
    bucket: l.bucket,
    limit: l.limit,
    remaining: left,
    resetMs,
    retryAfterMs: allowed ? 0 : retryAfterMs,
    policy: l.policy,
    windowMs: l.windowMs,
    limits: [
      {
        bucket: l.bucket,
        name: l.policyName,
        policy: l.policy,
        allowed,
        limit: l.limit,
        windowMs: l.windowMs,
        remaining: left,
        resetMs,
        retryAfterMs,
      },
    ],
    nextTier: l.next,
  }
}

function toDecision(
  tier: string,
  limits: readonly ResolvedLimit[],
  outcomes: readonly StoreOutcome[],
): RateDecision {
  const results: LimitResult[] = []
  let allowed = true
  let pick = 0
  for (let i = 0; i < limits.length; i++) {
    const l = limits[i]!
    const o = outcomes[i]!
    results.push({
      bucket: l.bucket,
      name: l.policyName,
      policy: l.policy,
      allowed: o.allowed,
      limit: l.limit,
      windowMs: l.windowMs,
      remaining: o.remaining,
      resetMs: Math.ceil(o.resetMs),
      retryAfterMs: Math.ceil(o.retryAfterMs),
    })
    if (!o.allowed) allowed = false
  }
  // The deciding limit: the denial that lasts longest, else the one with the least left.
  for (let i = 1; i < results.length; i++) {
    const r = results[i]!
    const best = results[pick]!
    const better = allowed
      ? r.remaining < best.remaining || (r.remaining === best.remaining && r.resetMs > best.resetMs)
      : r.retryAfterMs > best.retryAfterMs
    if (better) pick = i
  }
  const chosen = results[pick]!
  return {
    allowed,
    tier,
    bucket: chosen.bucket,
    limit: chosen.limit,
    remaining: chosen.remaining,
    resetMs: chosen.resetMs,
    retryAfterMs: allowed ? 0 : chosen.retryAfterMs,
    policy: chosen.policy,
    windowMs: chosen.windowMs,
    limits: results,
    // Always present (maybe undefined) so every decision has one object shape.
    nextTier: limits[pick]!.next,
  }
}
