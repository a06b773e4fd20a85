export { type Duration, toMs } from './duration'
export { CacheError, type CacheErrorCode, CacheTimeoutError } from './errors'
