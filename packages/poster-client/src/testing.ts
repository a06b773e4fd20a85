export { FAKE_METHODS } from './fake/api'
export type { AccountData, Row } from './fake/data'
export type { FakeFault, FakeFaultRates } from './fake/faults'
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
