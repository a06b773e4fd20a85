import { RateTiersError, UnknownBucketError, UnknownTierError } from '../errors'
import type { ResolvedBuckets, ResolvedLimit, ResolvedTiers } from './config'

/** What `consume` and `peek` take. Give `bucket` or `buckets`. */
export interface ConsumeInput {
  /** Who is limited: a tenant, location, user or API key id. */
  key: string
  /** The caller's current plan; limits travel with each call, so a plan change applies at once. */
  tier: string
  /** One bucket (operation class). */
  bucket?: string
  /** Several buckets, checked and charged all or nothing. */
  buckets?: readonly string[]
  /** Units this call costs; default 1. A concurrency limit takes one slot whatever the cost. */
  cost?: number
}

const MAX_KEY_LENGTH = 1024

function invalid(message: string, key?: string): RateTiersError {
  return new RateTiersError('RATE_TIERS_INVALID_ARGUMENT', message, key === undefined ? {} : { key })
}

/** Checks the parts of a call every path needs; returns the tier's buckets. */
export function checkInput(tiers: ResolvedTiers, input: ConsumeInput): ResolvedBuckets {
  if (typeof input !== 'object' || input === null)
    throw invalid('consume/peek take an object { key, tier, bucket }.')
  const { key, tier, cost = 1 } = input
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw invalid(
      `key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters, got ${JSON.stringify(key)}.`,
    )
  }
  const tierLimits = typeof tier === 'string' ? tiers.get(tier) : undefined
  if (!tierLimits) throw new UnknownTierError(String(tier), [...tiers.keys()])
  if (!Number.isInteger(cost) || cost <= 0) {
    throw new RateTiersError('RATE_TIERS_INVALID_COST', `cost must be a positive integer, got ${cost}.`, {
      key,
    })
  }
  return tierLimits
}

/**
 * The limits of a call in order; `custom` (a per-key override) replaces the tier's buckets it names.
 * Every problem is a typed error, never an allow.
 */
export function resolveCall(
  tierLimits: ResolvedBuckets,
  custom: ResolvedBuckets | undefined,
  input: ConsumeInput,
  gcra: boolean,
): readonly ResolvedLimit[] {
  const { key, tier, bucket, buckets, cost = 1 } = input
  if (bucket !== undefined && buckets === undefined) {
    const only = find(tierLimits, custom, bucket)
    if (!only) throw new UnknownBucketError(tier, String(bucket), known(tierLimits, custom))
    // A cost of 1 fits every limit (each is at least 1).
    if (cost > 1) checkCost(only, tier, key, cost, gcra)
    return only
  }
  if (bucket !== undefined || !Array.isArray(buckets) || buckets.length === 0) {
    throw invalid('give exactly one of `bucket` or a non-empty `buckets` array.', key)
  }
  const limits: ResolvedLimit[] = []
  for (const name of buckets as readonly string[]) {
    const found = find(tierLimits, custom, name)
    if (!found) throw new UnknownBucketError(tier, String(name), known(tierLimits, custom))
    if (limits.some((l) => l.bucket === name))
      throw invalid(`bucket ${JSON.stringify(name)} is listed twice.`, key)
    checkCost(found, tier, key, cost, gcra)
    limits.push(...found)
  }
  return limits
}

// Plain functions, not closures per call: this is the hot path.
const find = (tierLimits: ResolvedBuckets, custom: ResolvedBuckets | undefined, name: string) =>
  (custom === undefined ? undefined : custom.get(name)) ?? tierLimits.get(name)
const known = (tierLimits: ResolvedBuckets, custom: ResolvedBuckets | undefined) => [
  ...new Set([...tierLimits.keys(), ...(custom?.keys() ?? [])]),
]

function checkCost(
  limits: readonly ResolvedLimit[],
  tier: string,
  key: string,
  cost: number,
  gcra: boolean,
): void {
  for (const limit of limits) {
    if (limit.concurrency) continue
    const capacity = gcra ? limit.burst : limit.limit
    if (cost > capacity) {
      throw new RateTiersError(
        'RATE_TIERS_INVALID_COST',
        `cost ${cost} exceeds the ${tier} tier's ${limit.policyName} capacity of ${capacity}, so it could never be admitted; lower the cost or raise the limit.`,
        { key },
      )
    }
  }
}
