export { type Cache, type CacheStats, createCache } from './cache'
export { type Duration, toMs as parseDuration } from './duration'
export { CacheError, type CacheErrorCode, CacheTimeoutError } from './errors'
export type {
  CacheOptions,
  GetOptions,
  GetOrSetOptions,
  L1Options,
  LoaderContext,
  SetOptions,
} from './options'
export type {
  BusMessage,
  CacheBus,
  CacheEvent,
  CacheEventType,
  CacheStore,
  Schema,
  Serializer,
} from './types'
