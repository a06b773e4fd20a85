import { trace } from '@rc/internal'
import { type Duration, toMs } from '../duration'
import { RateTiersError, UnknownBucketError } from '../errors'
import { memoryRateStore } from '../memory/store'
import { type RateTiersDecideContext, tracers } from '../tracing'
import {
  ALGORITHMS,
  type Algorithm,
  type BucketsConfig,
  type RateDecision,
  type RateStore,
  type RateTiersEvent,
  type StoreErrorMode,
  type TiersConfig,
} from '../types'
import { BlockCache } from './block-cache'
import {
  type ResolvedBuckets,
  type ResolvedLimit,
  resolveBuckets,
  resolveTiers,
  type ShadowConfig,
} from './config'
import { CALL, type Call, type Decision, newResults, type Receipt, receiptOf, toDecision } from './decision'
import { type Answer, createGuard, FallbackAnswer } from './guard'
import { type ConsumeInput, checkInput, resolveCall } from './input'
import { type Presence, startPresence } from './presence'

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
  /** Store switch and recovery events, shadow denials, failed adjustments (log or count them). */
  onEvent?: (event: RateTiersEvent) => void
  /** Tiers (`true`) or some of their buckets that are checked and reported but never deny. */
  shadow?: ShadowConfig
  /** Per-key limits (a customer's contract) replacing their tier's buckets of the same name. */
  overrides?: Record<string, BucketsConfig>
  /**
   * Per-key limits looked up per call (after `overrides`); return undefined for the tier's. Return
   * the same object for the same contract: it is parsed once per object.
   */
  limitsFor?: (key: string, tier: string) => BucketsConfig | undefined | Promise<BucketsConfig | undefined>
  /**
   * Instances note their presence in a store that supports it (Redis), so that during an outage
   * each `'memory'` fallback admits its share (1/n) of every limit. Default `{ interval: '5s' }`.
   */
  presence?: { interval?: Duration } | false
}

/** What `reset` takes: forget a key's usage in every bucket, or in one. */
export interface ResetInput {
  key: string
  bucket?: string
}

/** A configured limiter; see `createRateTiers`. */
export interface RateTiers {
  /** Checks and charges atomically; a denied call charges nothing (unless a limit says `chargeDenied`). */
  consume(input: ConsumeInput): Promise<RateDecision>
  /** The decision `consume` would make now, without charging. */
  peek(input: ConsumeInput): Promise<RateDecision>
  /** Forgets usage of a key (every tier's windows of the bucket, or of all buckets) and its blocks. */
  reset(input: ResetInput): Promise<void>
  /**
   * Gives back `units` (default: all still charged) of an admitted decision on every limit it
   * charged, atomically: for a call that failed, was cached or cost less. Never more than charged.
   */
  refund(decision: RateDecision, units?: number): Promise<void>
  /** Makes an admitted decision's charge `actualCost` on every limit it charged (gives back or charges more). */
  settle(decision: RateDecision, actualCost: number): Promise<void>
  /** Ends the decision's concurrency leases (the adapters call it when the response ends). */
  release(decision: RateDecision): Promise<void>
  /** Stops noting this instance's presence in the store. */
  close(): void
  /** Tier names in plan order. */
  readonly tierNames: readonly string[]
}

const MODES: readonly StoreErrorMode[] = ['memory', 'allow', 'deny']
// Every decision reads it first: a const of its own is one load fewer.
const decideChannel = tracers.decide

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function'
}

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
  const tiers = resolveTiers(options.tiers, algorithm, options.shadow)
  const overrides = new Map<string, ResolvedBuckets>(
    Object.entries(options.overrides ?? {}).map(([key, buckets]) => [
      key,
      resolveBuckets(`overrides[${JSON.stringify(key)}]`, buckets, algorithm),
    ]),
  )
  const store = options.store ?? memoryRateStore()
  const usesLeases = [...tiers.values(), ...overrides.values()].some((b) =>
    [...b.values()].some((limits) => limits.some((l) => l.concurrency)),
  )
  if (usesLeases && !store.adjust) {
    throw new RateTiersError(
      'RATE_TIERS_INVALID_CONFIG',
      `the ${store.name} store cannot release leases (it has no \`adjust\`), so it cannot hold concurrency limits.`,
    )
  }
  const presenceMs =
    options.presence === false || !store.presence
      ? undefined
      : toMs(options.presence?.interval ?? '5s', 'presence.interval')
  // Started by the first decision: a limiter that is never used neither connects nor keeps a timer.
  let presence: Presence | undefined
  const guard = createGuard({
    store,
    mode,
    retryMs: toMs(options.storeRetry ?? '1s', 'storeRetry'),
    fallback: memoryRateStore(),
    peers: () => presence?.peers() ?? 1,
    onEvent: options.onEvent,
  })
  const onEvent = options.onEvent
  const blockCacheSize = options.blockCacheSize ?? 10_000
  const blocked = blockCacheSize > 0 ? new BlockCache(blockCacheSize) : undefined
  const gcra = algorithm === 'gcra'
  const custom = new WeakMap<BucketsConfig, ResolvedBuckets>()
  const leasePrefix = `${crypto.randomUUID()}:`
  let leases = 0

  const bucketNames = () => [...new Set([...tiers.values()].flatMap((buckets) => [...buckets.keys()]))]
  const cacheIdOf = (input: ConsumeInput) =>
    `${input.key}\u0000${input.tier}\u0000${input.bucket ?? input.buckets?.join('\u0000')}`

  function emit(event: RateTiersEvent): void {
    try {
      onEvent?.(event)
    } catch {
      // A throwing listener must not turn a rate-limit decision into an error.
    }
  }

  function customOf(found: BucketsConfig | undefined, key: string): ResolvedBuckets | undefined {
    if (found === undefined) return undefined
    let resolved = custom.get(found)
    if (resolved === undefined) {
      resolved = resolveBuckets(`limitsFor(${JSON.stringify(key)})`, found, algorithm)
      custom.set(found, resolved)
    }
    return resolved
  }

  function finish(
    input: ConsumeInput,
    call: Call,
    results: Decision['limits'],
    overridden: boolean,
    answer: Answer,
  ) {
    if (typeof answer === 'number') call.at = answer
    else {
      call.at = answer.at
      call.fallback = true
    }
    const decision = toDecision(input.tier, call.limits, results, overridden, call)
    // Only the shared store's denials are cached (a fallback's local view must not outlive the
    // outage), and not a concurrency's: a release, not time, ends those.
    if (
      !decision.allowed &&
      call.charge &&
      blocked &&
      decision.retryAfterMs > 0 &&
      !call.fallback &&
      !results.some((r) => r.concurrency && !r.allowed)
    ) {
      blocked.set(cacheIdOf(input), call.cost, Date.now(), decision)
    }
    if (onEvent) {
      for (const r of results) {
        if (r.shadow && !r.allowed) {
          emit({
            type: 'shadow-denied',
            key: input.key,
            tier: input.tier,
            bucket: r.bucket,
            name: r.name,
            decision,
          })
        }
      }
    }
    return decision
  }

  function decide(
    input: ConsumeInput,
    charge: boolean,
    tierLimits: ResolvedBuckets,
    own: ResolvedBuckets | undefined,
  ): Promise<RateDecision> {
    const limits = resolveCall(tierLimits, own, input, gcra)
    const cost = input.cost ?? 1
    if (blocked && charge && blocked.size > 0) {
      const hit = blocked.get(cacheIdOf(input), cost, Date.now())
      if (hit) return Promise.resolve(hit)
    }
    let lease = ''
    if (charge)
      for (let i = 0; i < limits.length; i++) if (limits[i]!.concurrency) lease = `${leasePrefix}${++leases}`
    const results = newResults(limits)
    const call: Call = { algorithm, key: input.key, limits, cost, charge, lease, at: 0, fallback: false }
    const answer = guard.decide(call, results)
    const overridden = own !== undefined
    if (typeof answer === 'number' || answer instanceof FallbackAnswer) {
      return Promise.resolve(finish(input, call, results, overridden, answer))
    }
    return answer.then((a) => finish(input, call, results, overridden, a))
  }

  // Not async: with a synchronous store the whole decision happens before the promise is made.
  function run(input: ConsumeInput, charge: boolean): Promise<RateDecision> {
    if (presenceMs !== undefined && presence === undefined) presence = startPresence(store, presenceMs)
    try {
      const tierLimits = checkInput(tiers, input)
      const fixed = overrides.size > 0 ? overrides.get(input.key) : undefined
      if (fixed !== undefined || !options.limitsFor) return decide(input, charge, tierLimits, fixed)
      const found = options.limitsFor(input.key, input.tier)
      if (!isThenable(found)) return decide(input, charge, tierLimits, customOf(found, input.key))
      return Promise.resolve(found).then((f) => decide(input, charge, tierLimits, customOf(f, input.key)))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** `run` inside an `rc:rate-tiers:decide` trace (the caller checked that someone listens). */
  function tracedRun(input: ConsumeInput, charge: boolean): Promise<RateDecision> {
    const context: RateTiersDecideContext = {
      tier: String(input?.tier),
      operation: String(input?.bucket ?? input?.buckets?.join(',')),
      key: String(input?.key),
      algorithm,
      cost: input?.cost ?? 1,
      charge,
    }
    return trace(tracers.decide, context, async () => {
      const decision = await run(input, charge)
      context.allowed = decision.allowed
      context.limit = decision.limit
      context.remaining = decision.remaining
      context.resetMs = decision.resetMs
      context.store = (decision as Decision)[CALL]?.fallback ? 'fallback' : store.name
      return decision
    })
  }

  /** The decision as built here, with its receipt when it charged something. */
  function adjustable(decision: RateDecision, what: string): [Decision, Receipt] | undefined {
    if (!store.adjust) {
      throw new RateTiersError(
        'RATE_TIERS_UNSUPPORTED',
        `the ${store.name} store cannot ${what} (it has no \`adjust\`); use a built-in store or add it.`,
      )
    }
    const d = decision as Decision
    const r = d[CALL] === undefined ? undefined : receiptOf(d)
    return r && [d, r]
  }

  const chargedOf = (r: Receipt) => r.parts.reduce((sum, p) => sum + p.units, 0)

  function change(
    d: Decision,
    limits: readonly ResolvedLimit[],
    units: number,
    at: number,
    charged: number,
    lease = '',
  ) {
    const { key, fallback } = d[CALL]!
    return guard.adjust({ algorithm, key, limits, units, at, charged, lease }, fallback)
  }

  /** Gives back `units` of what the decision still holds, newest part first, each on every limit at once. */
  async function giveBack(d: Decision, r: Receipt, units: number): Promise<void> {
    let left = units
    while (left > 0 && r.parts.length > 0) {
      const part = r.parts[r.parts.length - 1]!
      const take = Math.min(left, part.units)
      const held = part.units
      part.units -= take
      left -= take
      if (part.units === 0) r.parts.pop()
      await change(d, r.limits, take, part.at, held)
    }
  }

  function checkUnits(units: number, what: string): void {
    if (!Number.isInteger(units) || units < 0) {
      throw new RateTiersError(
        'RATE_TIERS_INVALID_COST',
        `${what} must be a whole number of units, got ${units}.`,
      )
    }
  }

  return {
    tierNames: [...tiers.keys()],
    // The hasSubscribers check first: with no subscriber a decision costs what it did before.
    consume: (input) => (decideChannel.hasSubscribers ? tracedRun(input, true) : run(input, true)),
    peek: (input) => (decideChannel.hasSubscribers ? tracedRun(input, false) : run(input, false)),
    async refund(decision, units) {
      if (units !== undefined) checkUnits(units, 'refund units')
      const [d, r] = adjustable(decision, 'refund') ?? []
      if (!d || !r || r.limits.length === 0) return
      await giveBack(d, r, units ?? chargedOf(r))
    },
    async settle(decision, actualCost) {
      checkUnits(actualCost, 'settle actualCost')
      const [d, r] = adjustable(decision, 'settle') ?? []
      if (!d || !r || r.limits.length === 0) return
      const charged = chargedOf(r)
      if (actualCost < charged) return giveBack(d, r, charged - actualCost)
      if (actualCost === charged) return
      const extra = actualCost - charged
      // Recorded before the store answers, so a refund racing this settle sees it.
      const part = { at: r.parts.at(-1)?.at ?? 0, units: extra }
      r.parts.push(part)
      part.at = await change(d, r.limits, -extra, part.at, 0)
    },
    async release(decision) {
      const [d, r] = adjustable(decision, 'release leases') ?? []
      const lease = d?.[CALL]?.lease
      if (!d || !r || !lease || r.released || r.leaseLimits.length === 0) return
      r.released = true
      await change(d, r.leaseLimits, 0, 0, 0, lease)
    },
    close() {
      presence?.stop()
    },
    async reset({ key, bucket }) {
      if (typeof key !== 'string' || key.length === 0) {
        throw new RateTiersError('RATE_TIERS_INVALID_ARGUMENT', 'reset needs a non-empty key.')
      }
      const names = new Set<string>()
      for (const buckets of [...tiers.values(), ...overrides.values()]) {
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
