import type { AccountData } from './data'
import type { FakeFault, FakeFaultRates, FaultTarget } from './faults'

/** One account to create; a bare string is its name. */
export type FakeAccountInput =
  | string
  | { account: string; accountNumber?: number; token?: string; sections?: string[] }

/** Options of {@link createFakePoster}. */
export interface FakePosterOptions {
  /** How many accounts (named `demo1`, `demo2`...) or the accounts themselves. Default 3. */
  accounts?: number | FakeAccountInput[]
  /**
   * Enforce per-account limits like Poster might: requests served in any sliding second and/or
   * sliding minute, answering 429 with Retry-After (whole seconds until a slot frees) beyond them.
   */
  rateLimit?: { perSecond?: number; perMinute?: number }
  /** Fault probabilities from the start; change them later with `setFaults`. */
  faults?: FakeFaultRates
  /** Seed of generated data and fault draws. Default 1. */
  seed?: number
  /** The OAuth application the fake accepts. Default `{ id: '1000', secret: 'fake-app-secret' }`. */
  application?: { id: string; secret: string }
  /** Port to listen on. Default: a free one. */
  port?: number
  /**
   * How `GET /api/auth` answers: `'auto'` (default) sends the owner straight back with a code for the
   * `account` parameter (or the first account); `'page'` serves a consent page where a person names their
   * account (a new name creates it, as signing up with Poster would) and allows or denies. Both echo
   * `state`; a denial comes back as `error=access_denied`.
   */
  consent?: 'auto' | 'page'
  /**
   * A JSON file keeping the accounts added while running (consent page, `addAccount`): a fake started
   * again with it has them, with the same tokens and the same generated data. Writes to an account's data
   * (supplies) are not kept.
   */
  accountsFile?: string
  /**
   * The fake's clock in ms: `getSupplies` without dates answers the month before it, and generated
   * supplies are dated back from its day (the data is the same for the same seed and day).
   * Default `Date.now`.
   */
  now?: () => number
  /**
   * Also send the variants public clients have seen: about half of the numeric fields that Poster
   * has been seen to send either way come as the other JSON type (`"1461"` for `1461`), and
   * createSupply's id as a string. Default false: exactly the types of Poster's documented examples.
   */
  variants?: boolean
}

/** A fake account as tests use it. */
export interface FakeAccount {
  account: string
  accountNumber: number
  token: string
  sections: string[]
  /** The live data the fake serves (mutated by createSupply). */
  data: AccountData
}

/** A request the fake received; the token is not recorded. */
export interface FakeRequest {
  /** Arrival time, epoch milliseconds with sub-millisecond precision. */
  at: number
  httpMethod: string
  /** `section.method`, or the path for non-API routes. */
  method: string
  account: string | undefined
  params: Record<string, string>
  body: unknown
  /** HTTP status sent; 0 while unanswered or when the connection was dropped. */
  status: number
  /** `ok`, `poster-error`, `rate-limited`, or the injected fault. */
  outcome: string
}

/** A running fake Poster. */
export interface FakePoster {
  /** Base URL for `createPosterClient({ baseUrl })`. */
  readonly url: string
  readonly accounts: FakeAccount[]
  /** Every request received, in arrival order. */
  readonly requests: FakeRequest[]
  readonly application: { id: string; secret: string }
  /** Replace the fault probabilities. */
  setFaults(faults: FakeFaultRates): void
  /** Inject `fault` into the next `times` calls (of `method` and of `account` only, if given). */
  failNext(fault: FakeFault, options?: { times?: number } & FaultTarget): void
  /** Drop queued faults and set every probability to 0. */
  resetFaults(): void
  /** Make the account's token answer 12 (expired) from now on. */
  expireToken(account: string): void
  /** Make the account's token answer 11 (invalid) from now on. */
  revokeToken(account: string): void
  /** A one-time OAuth code for the account, to pass to exchangeCode. */
  authorize(account: string): string
  /** A new account (generated data, a token in Poster's format), kept in `accountsFile` if set. */
  addAccount(input: FakeAccountInput): FakeAccount
  /** POSTs a signed webhook to `url`, as Poster would. */
  sendWebhook(
    url: string,
    event: FakeWebhookEvent,
    secret?: string,
  ): Promise<{ status: number; body: string; payload: Record<string, unknown> }>
  /** Forget recorded requests. */
  clearRequests(): void
  close(): Promise<void>
}

/** What to send with {@link FakePoster.sendWebhook}. */
export interface FakeWebhookEvent {
  /** Default: the first account. */
  account?: string
  /** Any object, documented or not. */
  object: string
  object_id: number
  /** `added`, `changed`, `removed`, `transformed`, or anything else (a live account sent `closed`). */
  action: string
  /** Objects are JSON-encoded into the string Poster sends; strings go as they are; null is sent as null (unsigned). */
  data?: unknown
  /** Unix seconds. Default now. */
  time?: number
}
