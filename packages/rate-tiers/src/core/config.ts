import { z } from 'zod'
import { formatWindow, toMs } from '../duration'
import { RateTiersError } from '../errors'
import type { Algorithm, LimitSpec, NextTierLimit, TiersConfig } from '../types'
import { policyItem } from './policy'

/** One limit after parsing, with the storage suffix every key of it shares. */
export interface ResolvedLimit {
  bucket: string
  /** Name in headers: the bucket, or `bucket:window` when the bucket has several limits. */
  policyName: string
  /** Its `RateLimit-Policy` item, e.g. `"api";q=100;w=60`. */
  policy: string
  limit: number
  windowMs: number
  burst: number
  /** `:bucket:window:algorithm`: where a store keeps this limit's usage, after the key. */
  name: string
  /** The same bucket (same window when it has one) in the next tier. */
  next?: NextTierLimit
}

/** tier → bucket → limits, in config order. */
export type ResolvedTiers = Map<string, Map<string, ResolvedLimit[]>>

const NAME = /^[A-Za-z0-9_.-]{1,64}$/
const LIMIT_STRING = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)?\s*(ms|s|m|h|d)\s*$/

const ALGORITHM_CODE: Record<Algorithm, string> = {
  'sliding-log': 'sl',
  'sliding-window': 'sw',
  gcra: 'gc',
  'fixed-window': 'fw',
}

const durationSchema = z.union([
  z.number().positive(),
  z.string().regex(/^\d+(?:\.\d+)?(ms|s|m|h|d)$/, "a duration like '1s', '1m', '1h'"),
])
const limitObjectSchema = z.strictObject({
  limit: z.number().int().positive(),
  window: durationSchema,
  burst: z.number().int().positive().optional(),
})
const limitSchema = z.union([
  z.string().regex(LIMIT_STRING, "a limit like '20/1m', '100/1h' or '10/1s'"),
  limitObjectSchema,
])
const bucketSchema = z.union([limitSchema, z.array(limitSchema).min(1)])
const tiersSchema = z
  .record(
    z.string().regex(NAME, 'tier names use letters, digits, _ . -'),
    z.record(z.string().regex(NAME, 'bucket names use letters, digits, _ . -'), bucketSchema),
  )
  .refine((tiers) => Object.keys(tiers).length > 0, 'define at least one tier')

/** Validates `tiers` and resolves every limit; throws RATE_TIERS_INVALID_CONFIG naming the bad path. */
export function resolveTiers(config: TiersConfig, algorithm: Algorithm): ResolvedTiers {
  const parsed = tiersSchema.safeParse(config)
  if (!parsed.success) {
    throw new RateTiersError(
      'RATE_TIERS_INVALID_CONFIG',
      `invalid \`tiers\` config: ${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    )
  }
  const tiers: ResolvedTiers = new Map()
  for (const [tier, buckets] of Object.entries(config)) {
    const resolved = new Map<string, ResolvedLimit[]>()
    for (const [bucket, spec] of Object.entries(buckets)) {
      const specs: readonly LimitSpec[] = Array.isArray(spec) ? spec : [spec as LimitSpec]
      const limits = specs.map((one) => resolveLimit(tier, bucket, one, algorithm))
      const windows = new Set(limits.map((l) => l.windowMs))
      if (windows.size !== limits.length) {
        throw new RateTiersError(
          'RATE_TIERS_INVALID_CONFIG',
          `tiers.${tier}.${bucket} has two limits with the same window; keep one limit per window.`,
        )
      }
      if (limits.length > 1) {
        for (const l of limits) {
          l.policyName = `${bucket}:${formatWindow(l.windowMs)}`
          l.policy = policyItem(l.policyName, l.limit, l.windowMs)
        }
      }
      resolved.set(bucket, limits)
    }
    tiers.set(tier, resolved)
  }
  linkNextTiers(tiers)
  return tiers
}

// Tier order in the config is plan order: the tier after this one is the upgrade.
function linkNextTiers(tiers: ResolvedTiers): void {
  const names = [...tiers.keys()]
  for (let i = 0; i + 1 < names.length; i++) {
    const nextTier = names[i + 1]!
    const next = tiers.get(nextTier)!
    for (const [bucket, limits] of tiers.get(names[i]!)!) {
      const candidates = next.get(bucket)
      if (!candidates) continue
      for (const limit of limits) {
        const match = candidates.find((c) => c.windowMs === limit.windowMs) ?? candidates[0]!
        limit.next = { tier: nextTier, limit: match.limit, windowMs: match.windowMs }
      }
    }
  }
}

function resolveLimit(tier: string, bucket: string, spec: LimitSpec, algorithm: Algorithm): ResolvedLimit {
  let limit: number
  let windowMs: number
  let burst: number | undefined
  if (typeof spec === 'string') {
    const match = LIMIT_STRING.exec(spec)!
    limit = Number(match[1])
    windowMs = toMs(`${match[2] ?? '1'}${match[3]}` as `${number}s`, `tiers.${tier}.${bucket}`)
  } else {
    limit = spec.limit
    windowMs = toMs(spec.window, `tiers.${tier}.${bucket}.window`)
    burst = spec.burst
  }
  if (limit < 1 || !Number.isInteger(windowMs) || windowMs < 1) {
    throw new RateTiersError(
      'RATE_TIERS_INVALID_CONFIG',
      `tiers.${tier}.${bucket}: the limit must be at least 1 and the window a whole number of milliseconds, got ${JSON.stringify(spec)}.`,
    )
  }
  return {
    bucket,
    policyName: bucket,
    policy: policyItem(bucket, limit, windowMs),
    limit,
    windowMs,
    burst: burst ?? limit,
    name: `:${bucket}:${windowMs}:${ALGORITHM_CODE[algorithm]}`,
  }
}
