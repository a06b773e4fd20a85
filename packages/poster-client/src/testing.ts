export { FAKE_METHODS } from './fake/api'
export type { AccountData, Row, StockItem, SupplyLine } from './fake/data'
export type { FakeFault, FakeFaultRates, FaultTarget } from './fake/faults'
export { createFakePoster } from './fake/server'
export type {
  FakeAccount,
  FakeAccountInput,
  FakePoster,
  FakePosterOptions,
  FakeRequest,
  FakeWebhookEvent,
} from './fake/types'
export { describeRateLimitStore, type RateLimitStoreFactory } from './limiter/store-contract'
