export { type Cache, type CacheStats, createCache, type ManyLoaded, type ManyLoader } from './cache'
export { type Duration, toMs as parseDuration } from './duration'
export {
  CacheError,
  type CacheErrorCode,
  CacheReplicationError,
  CacheStoreError,
  CacheTimeoutError,
} from './errors'
export type {
  CacheOptions,
  GetOptions,
  GetOrSetOptions,
  L1Options,
  LoaderContext,
  ManyLoaderContext,
  SetManyEntry,
  SetOptions,
} from './options'
export {
  type CacheBatchContext,
  type CacheDeleteContext,
  type CacheGetContext,
  type CacheGetOrSetContext,
  type CacheInvalidateContext,
  type CacheLayer,
  type CacheLoadContext,
  type CacheOperationContext,
  type CacheSetContext,
  cacheChannels,
} from './tracing'
export type {
  BusMessage,
  CacheBus,
  CacheEvent,
  CacheEventType,
  CacheStore,
  Schema,
  Serializer,
  StoreEntry,
} from './types'
