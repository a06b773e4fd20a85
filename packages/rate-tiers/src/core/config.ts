import { z } from 'zod'
import { type Duration, formatWindow, toMs } from '../duration'
import { RateTiersError } from '../errors'
import type {
  Algorithm,
  BlockPolicy,
  BucketsConfig,
  LimitSpec,
  NextTierLimit,
  StoreBlock,
  StoreLimit,
  TiersConfig,
} from '../types'
import { policyItem } from './policy'

/** One limit after parsing: what a store needs, and how headers and bodies name it. */
export interface ResolvedLimit extends StoreLimit {
  bucket: string
  /** Name in headers: the bucket, or `bucket:window` when the bucket has several limits. */
  policyName: string
  /** Its `RateLimit-Policy` item, e.g. `"api";q=100;w=60`. */
  policy: string
  /** The same bucket (same window when it has one) in the next tier. */
  next: NextTierLimit | undefined
}

/** bucket → limits, in config order. */
export type ResolvedBuckets = Map<string, ResolvedLimit[]>
/** tier → buckets. */
export type ResolvedTiers = Map<string, ResolvedBuckets>
/** Tier (or `true` for all of its buckets) → buckets in shadow mode. */
export type ShadowConfig = Record<string, true | readonly string[]>

const NAME = /^[A-Za-z0-9_.-]{1,64}$/
const LIMIT_STRING = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)?\s*(ms|s|m|h|d)\s*$/
const DEFAULT_LEASE = '1m'
// A doubling block reaches its cap after this many offences unless `max` says otherwise.
const DEFAULT_GROWTH_STEPS = 5

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
const blockSchema = z.union([
  durationSchema,
  z.strictObject({
    duration: durationSchema,
    factor: z.number().min(1).optional(),
    max: durationSchema.optional(),
    forgetAfter: durationSchema.optional(),
  }),
])
const rateObjectSchema = z.strictObject({
  limit: z.number().int().positive(),
  window: durationSchema,
  burst: z.number().int().positive().optional(),
  shadow: z.boolean().optional(),
  chargeDenied: z.boolean().optional(),
  blockFor: blockSchema.optional(),
})
const concurrencySchema = z.strictObject({
  concurrency: z.number().int().positive(),
  lease: durationSchema.optional(),
  shadow: z.boolean().optional(),
})
const limitSchema = z.union([
  z.string().regex(LIMIT_STRING, "a limit like '20/1m', '100/1h' or '10/1s'"),
  rateObjectSchema,
  concurrencySchema,
])
const bucketsSchema = z.record(
  z.string().regex(NAME, 'bucket names use letters, digits, _ . -'),
  z.union([limitSchema, z.array(limitSchema).min(1)]),
)
const tiersSchema = z
  .record(z.string().regex(NAME, 'tier names use letters, digits, _ . -'), bucketsSchema)
  .refine((tiers) => Object.keys(tiers).length > 0, 'define at least one tier')

function invalid(what: string, error: z.ZodError): RateTiersError {
  return new RateTiersError(
    'RATE_TIERS_INVALID_CONFIG',
    `invalid \`${what}\` config: ${z.prettifyError(error)}`,
    {
      cause: error,
    },
  )
}

/** Validates `tiers` and resolves every limit; throws RATE_TIERS_INVALID_CONFIG naming the bad path. */
export function resolveTiers(
  config: TiersConfig,
  algorithm: Algorithm,
  shadow: ShadowConfig = {},
): ResolvedTiers {
  const parsed = tiersSchema.safeParse(config)
  if (!parsed.success) throw invalid('tiers', parsed.error)
  for (const [tier, buckets] of Object.entries(shadow)) {
    if (!(tier in config)) {
      throw new RateTiersError(
        'RATE_TIERS_INVALID_CONFIG',
        `shadow names tier ${JSON.stringify(tier)}, which \`tiers\` does not define.`,
      )
    }
    if (buckets !== true && !buckets.every((b) => b in config[tier]!)) {
      throw new RateTiersError(
        'RATE_TIERS_INVALID_CONFIG',
        `shadow.${tier} names a bucket that tier ${tier} does not define.`,
      )
    }
  }
  const tiers: ResolvedTiers = new Map()
  for (const [tier, buckets] of Object.entries(config)) {
    const inShadow = shadow[tier]
    tiers.set(
      tier,
      resolveBuckets(
        `tiers.${tier}`,
        buckets,
        algorithm,
        (bucket) => inShadow === true || (inShadow?.includes(bucket) ?? false),
      ),
    )
  }
  linkNextTiers(tiers)
  return tiers
}

/** Validates and resolves one bucket map (a tier's, or a per-key override's). */
export function resolveBuckets(
  path: string,
  buckets: BucketsConfig,
  algorithm: Algorithm,
  shadowed: (bucket: string) => boolean = () => false,
): ResolvedBuckets {
  const parsed = bucketsSchema.safeParse(buckets)
  if (!parsed.success) throw invalid(path, parsed.error)
  const resolved: ResolvedBuckets = new Map()
  for (const [bucket, spec] of Object.entries(buckets)) {
    const specs: readonly LimitSpec[] = Array.isArray(spec) ? spec : [spec as LimitSpec]
    const limits = specs.map((one) =>
      resolveLimit(`${path}.${bucket}`, bucket, one, algorithm, shadowed(bucket)),
    )
    const windows = new Set(limits.map((l) => (l.concurrency ? 'c' : l.windowMs)))
    if (windows.size !== limits.length) {
      throw new RateTiersError(
        'RATE_TIERS_INVALID_CONFIG',
        `${path}.${bucket} has two limits with the same window (or two concurrencies); keep one of each.`,
      )
    }
    if (limits.length > 1) {
      for (const l of limits) {
        l.policyName = l.concurrency ? `${bucket}:concurrency` : `${bucket}:${formatWindow(l.windowMs)}`
        l.policy = policyItem(l.policyName, l.limit, l.windowMs, l.concurrency)
      }
    }
    resolved.set(bucket, limits)
  }
  return resolved
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
        const match =
          candidates.find((c) => c.concurrency === limit.concurrency && c.windowMs === limit.windowMs) ??
          candidates.find((c) => c.concurrency === limit.concurrency) ??
          candidates[0]!
        limit.next = { tier: nextTier, limit: match.limit, windowMs: match.windowMs }
      }
    }
  }
}

function resolveBlock(path: string, spec: Duration | BlockPolicy): StoreBlock {
  const policy: BlockPolicy = typeof spec === 'object' ? spec : { duration: spec }
  const ms = toMs(policy.duration, `${path}.blockFor`)
  const factor = policy.factor ?? 1
  const maxMs =
    policy.max !== undefined ? toMs(policy.max, `${path}.blockFor.max`) : ms * factor ** DEFAULT_GROWTH_STEPS
  const forgetMs =
    policy.forgetAfter !== undefined ? toMs(policy.forgetAfter, `${path}.blockFor.forgetAfter`) : maxMs
  return { ms, factor, maxMs: Math.max(ms, maxMs), forgetMs }
}

function resolveLimit(
  path: string,
  bucket: string,
  spec: LimitSpec,
  algorithm: Algorithm,
  shadowed: boolean,
): ResolvedLimit {
  if (typeof spec === 'object' && 'concurrency' in spec) {
    const lease = toMs(spec.lease ?? DEFAULT_LEASE, `${path}.lease`)
    return {
      bucket,
      policyName: bucket,
      policy: policyItem(bucket, spec.concurrency, lease, true),
      name: `:${bucket}:c`,
      limit: spec.concurrency,
      windowMs: Math.ceil(lease),
      burst: spec.concurrency,
      concurrency: true,
      shadow: shadowed || spec.shadow === true,
      chargeDenied: false,
      block: undefined,
      next: undefined,
    }
  }
  let limit: number
  let windowMs: number
  let burst: number | undefined
  if (typeof spec === 'string') {
    const match = LIMIT_STRING.exec(spec)!
    limit = Number(match[1])
    windowMs = toMs(`${match[2] ?? '1'}${match[3]}` as `${number}s`, path)
  } else {
    limit = spec.limit
    windowMs = toMs(spec.window, `${path}.window`)
    burst = spec.burst
  }
  if (limit < 1 || !Number.isInteger(windowMs) || windowMs < 1) {
    throw new RateTiersError(
      'RATE_TIERS_INVALID_CONFIG',
      `${path}: the limit must be at least 1 and the window a whole number of milliseconds, got ${JSON.stringify(spec)}.`,
    )
  }
  const options: { shadow?: boolean; chargeDenied?: boolean; blockFor?: Duration | BlockPolicy } =
    typeof spec === 'object' ? spec : {}
  return {
    bucket,
    policyName: bucket,
    policy: policyItem(bucket, limit, windowMs),
    name: `:${bucket}:${windowMs}:${ALGORITHM_CODE[algorithm]}`,
    limit,
    windowMs,
    burst: burst ?? limit,
    concurrency: false,
    shadow: shadowed || options.shadow === true,
    chargeDenied: options.chargeDenied === true,
    block: options.blockFor === undefined ? undefined : resolveBlock(path, options.blockFor),
    next: undefined,
  }
}
