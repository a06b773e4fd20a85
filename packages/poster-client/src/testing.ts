export { FAKE_METHODS } from './fake/api'
export type { AccountData, Row } from './fake/data'
export type { FakeFault, FakeFaultRates } from './fake/faults'
export {
  createFakePoster,
  type FakeAccount,
  type FakeAccountInput,
  type FakePoster,
  type FakePosterOptions,
  type FakeRequest,
  type FakeWebhookEvent,
} from './fake/server'
