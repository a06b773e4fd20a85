export type { PosterClient } from './client/create-client'
export { createPosterClient } from './client/create-client'
export type { PosterClientEvent } from './client/events'
export {
  type CreateSupplyInput,
  createSupplyInputSchema,
  type GetLeftoversParams,
  type GetSuppliesParams,
  type PosterMethods,
} from './client/methods'
export type { CallOptions, PosterClientOptions, RateLimitOptions, RetryOptions } from './client/options'
export type { PosterParams, PosterParamValue } from './client/query'
export { type Duration, toMs as parseDuration } from './duration'
export * from './errors'
export { createRateLimiter, type Lease, type RateLimiter } from './limiter/limiter'
export { type MemoryRateLimitStoreOptions, memoryRateLimitStore } from './limiter/memory-store'
export type { AcquireResult, RateLimitPolicy, RateLimitStore, RateWindow } from './limiter/store'
export * from './schemas/index'
export {
  type PosterAttemptContext,
  type PosterCallContext,
  type PosterLimiterContext,
  posterChannels,
} from './tracing'
