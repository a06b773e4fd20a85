import { RcError } from '@rc/internal'

/** Stable codes of every error @rc/rate-tiers throws. */
export type RateTiersErrorCode =
  | 'RATE_TIERS_INVALID_CONFIG'
  | 'RATE_TIERS_INVALID_ARGUMENT'
  | 'RATE_TIERS_INVALID_COST'
  | 'RATE_TIERS_UNKNOWN_TIER'
  | 'RATE_TIERS_UNKNOWN_BUCKET'
  | 'RATE_TIERS_STORE_UNAVAILABLE'
  | 'RATE_TIERS_STORE_TIMEOUT'
  | 'RATE_TIERS_UNSUPPORTED'

/** Base class of every @rc/rate-tiers error: check `code`, not the message. */
export class RateTiersError extends RcError<RateTiersErrorCode> {
  override readonly name: string = 'RateTiersError'
  /** The rate-limited key involved, when there is one. */
  declare readonly key?: string

  constructor(code: RateTiersErrorCode, message: string, options: { cause?: unknown; key?: string } = {}) {
    super('@rc/rate-tiers', code, message, options)
  }
}

/** `consume` named a tier that is not in the `tiers` config. */
export class UnknownTierError extends RateTiersError {
  override readonly name = 'UnknownTierError'
  readonly tier: string
  constructor(tier: string, known: readonly string[]) {
    super(
      'RATE_TIERS_UNKNOWN_TIER',
      `unknown tier ${JSON.stringify(tier)}; configured tiers are ${known.join(', ')}. Add it to \`tiers\` or map the plan to one of them.`,
    )
    this.tier = tier
  }
}

/** `consume` named a bucket that the tier does not define. */
export class UnknownBucketError extends RateTiersError {
  override readonly name = 'UnknownBucketError'
  /** The tier asked about; undefined when no tier at all defines the bucket (`reset`). */
  readonly tier: string | undefined
  readonly bucket: string
  constructor(tier: string | undefined, bucket: string, known: readonly string[]) {
    const where = tier === undefined ? 'no tier has' : `tier ${JSON.stringify(tier)} has no`
    super(
      'RATE_TIERS_UNKNOWN_BUCKET',
      `${where} bucket ${JSON.stringify(bucket)}; known buckets are ${known.join(', ')}. Add the bucket to every tier that may use it.`,
    )
    this.tier = tier
    this.bucket = bucket
  }
}

/** The store failed or did not answer within its timeout; `onStoreError` decides what callers get. */
export class RateStoreError extends RateTiersError {
  override readonly name = 'RateStoreError'
  readonly store: string
  constructor(
    code: 'RATE_TIERS_STORE_UNAVAILABLE' | 'RATE_TIERS_STORE_TIMEOUT',
    store: string,
    message: string,
    cause?: unknown,
  ) {
    super(code, `${store} store: ${message}`, { cause })
    this.store = store
  }
}
