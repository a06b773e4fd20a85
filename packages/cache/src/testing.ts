// `@rc/cache/testing`: the contract suites, for the stores in this package and third-party ones.

export { type BusFactory, describeCacheBus } from './testing/bus-contract'
export { describeCache } from './testing/cache-contract'
export type { CacheSuiteOptions, StoreFactory } from './testing/shared'
export { describeCacheStore } from './testing/store-contract'
