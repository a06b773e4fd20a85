export {
  type RateLimitBodyOptions,
  type RateLimitJsonBody,
  type RateLimitProblemBody,
  rateLimitBody,
  rateLimitContentType,
} from './body'
export type { ShadowConfig } from './core/config'
export {
  createRateTiers,
  type RateTiers,
  type RateTiersOptions,
  type ResetInput,
} from './core/create-rate-tiers'
export type { ConsumeInput } from './core/input'
export { type Duration, toMs as parseDuration } from './duration'
export {
  RateStoreError,
  RateTiersError,
  type RateTiersErrorCode,
  UnknownBucketError,
  UnknownTierError,
} from './errors'
export { type RateLimitHeadersOptions, rateLimitHeaders } from './headers'
export { type MemoryRateStoreOptions, memoryRateStore } from './memory/store'
export { type RateTiersDecideContext, rateTiersChannels } from './tracing'
export type {
  Algorithm,
  BlockPolicy,
  BucketsConfig,
  LimitResult,
  LimitSpec,
  NextTierLimit,
  RateDecision,
  RateStore,
  RateTiersEvent,
  StoreAdjustment,
  StoreBlock,
  StoreCall,
  StoreErrorMode,
  StoreLimit,
  StoreOutcome,
  TiersConfig,
} from './types'
