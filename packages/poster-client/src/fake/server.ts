import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { webhookSignature } from '../webhooks/signature'
import { type ApiAnswer, flatError, nestedError, runMethod } from './api'
import { type AccountData, generateAccount } from './data'
import { createFaultPlan, type FakeFault, type FakeFaultRates } from './faults'
import { decodeForm } from './form'
import { createRng } from './rng'

/** One account to create; a bare string is its name. */
export type FakeAccountInput =
  | string
  | { account: string; accountNumber?: number; token?: string; sections?: string[] }

/** Options of {@link createFakePoster}. */
export interface FakePosterOptions {
  /** How many accounts (named `demo1`, `demo2`...) or the accounts themselves. Default 3. */
  accounts?: number | FakeAccountInput[]
  /** Enforce a per-account limit like Poster might: a sliding second, answering 429 with Retry-After. */
  rateLimit?: { perSecond: number }
  /** Fault probabilities from the start; change them later with `setFaults`. */
  faults?: FakeFaultRates
  /** Seed of generated data and fault draws. Default 1. */
  seed?: number
  /** The OAuth application the fake accepts. Default `{ id: '1000', secret: 'fake-app-secret' }`. */
  application?: { id: string; secret: string }
  /** Port to listen on. Default: a free one. */
  port?: number
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
  /** Inject `fault` into the next `times` calls (of `method` only, if given). */
  failNext(fault: FakeFault, options?: { times?: number; method?: string }): void
  /** Drop queued faults and set every probability to 0. */
  resetFaults(): void
  /** Make the account's token answer 12 (expired) from now on. */
  expireToken(account: string): void
  /** Make the account's token answer 11 (invalid) from now on. */
  revokeToken(account: string): void
  /** A one-time OAuth code for the account, to pass to exchangeCode. */
  authorize(account: string): string
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
  object: string
  object_id: number
  action: 'added' | 'changed' | 'removed' | 'transformed'
  /** Objects are JSON-encoded into the string Poster sends; strings go as they are. */
  data?: unknown
  /** Unix seconds. Default now. */
  time?: number
}

const TOO_MANY: ApiAnswer = { status: 429, body: { error: { code: 429, message: 'Too many requests' } } }

function normalizeAccounts(
  input: FakePosterOptions['accounts'],
  seed: number,
): Array<Omit<FakeAccount, 'data'>> {
  const list =
    typeof input === 'number' || input === undefined
      ? Array.from({ length: input ?? 3 }, (_, i) => `demo${i + 1}`)
      : input
  return list.map((item, i) => {
    const spec = typeof item === 'string' ? { account: item } : item
    const accountNumber = spec.accountNumber ?? 100_000 + i + 1
    const rng = createRng(seed * 7919 + accountNumber)
    return {
      account: spec.account,
      accountNumber,
      token: spec.token ?? `${accountNumber}:${rng.hex(32)}`,
      sections: spec.sections ?? ['storage', 'menu', 'access', 'settings', 'dash', 'finance', 'clients'],
    }
  })
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw.trim() === '') return {}
  if (!contentType?.includes('application/x-www-form-urlencoded')) {
    try {
      const parsed = JSON.parse(raw)
      if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>
    } catch {}
  }
  return decodeForm(raw)
}

/** Starts a fake Poster API on 127.0.0.1: realistic data per account, token checks, rate limit, faults. */
export async function createFakePoster(options: FakePosterOptions = {}): Promise<FakePoster> {
  const seed = options.seed ?? 1
  const accounts: FakeAccount[] = normalizeAccounts(options.accounts, seed).map((a) => ({
    ...a,
    data: generateAccount(createRng(seed * 104_729 + a.accountNumber), a.account, a.accountNumber),
  }))
  const byToken = new Map(accounts.map((a) => [a.token, a]))
  const tokenState = new Map<string, 'expired' | 'revoked'>()
  const codes = new Map<string, string>()
  const application = options.application ?? { id: '1000', secret: 'fake-app-secret' }
  const faultRng = createRng(seed * 31 + 17)
  const answerRng = createRng(seed * 13 + 5)
  const faults = createFaultPlan(faultRng, options.faults)
  const served = new Map<string, number[]>()
  const requests: FakeRequest[] = []

  function send(
    res: ServerResponse,
    record: FakeRequest,
    answer: ApiAnswer,
    outcome: string,
    headers: Record<string, string> = {},
  ) {
    record.status = answer.status
    record.outcome = outcome
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    res.end(JSON.stringify(answer.body))
  }

  function rateLimited(account: string, now: number): number | undefined {
    const limit = options.rateLimit?.perSecond
    if (limit === undefined) return undefined
    const times = (served.get(account) ?? []).filter((t) => t > now - 1000)
    served.set(account, times)
    if (times.length >= limit) return times[times.length - limit]! + 1000 - now
    times.push(now)
    return undefined
  }

  async function applyFault(fault: FakeFault, res: ServerResponse, record: FakeRequest): Promise<boolean> {
    const name = typeof fault === 'string' ? fault : 'poster-error'
    switch (fault) {
      case 'server-error': {
        const status = answerRng.pick([500, 502, 503])
        record.status = status
        record.outcome = name
        res.writeHead(status, { 'content-type': 'text/html' })
        res.end('<html><body>Bad Gateway</body></html>')
        return true
      }
      case 'rate-limit':
        send(res, record, TOO_MANY, name, {
          'retry-after': String(Math.max(1, Math.ceil(faults.retryAfterMs / 1000))),
        })
        return true
      case 'slow':
        record.outcome = name
        await new Promise((r) => setTimeout(r, faults.slowDelayMs))
        return false
      case 'hang':
        record.outcome = name
        return true
      case 'malformed-json':
        record.status = 200
        record.outcome = name
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{"response":[{"storage_id":"1","storage_na')
        return true
      case 'disconnect':
        record.outcome = name
        res.socket?.destroy()
        return true
      default: {
        const message = fault.message ?? 'Injected error'
        const answer =
          fault.shape === 'flat'
            ? flatError(fault.error, message, fault.field)
            : fault.shape === 'oauth'
              ? { status: 200, body: { code: fault.error, error_type: 'injected', error_message: message } }
              : nestedError(fault.error, message)
        send(res, record, answer, name)
        return true
      }
    }
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, record: FakeRequest) {
    const raw = await readBody(req)
    const params = Object.fromEntries([...url.searchParams].filter(([k]) => k !== 'token'))
    const body = req.method === 'POST' ? parseBody(raw, req.headers['content-type']) : {}
    record.params = params
    record.body = req.method === 'POST' ? body : undefined
    const token = url.searchParams.get('token')
    const account = token ? byToken.get(token) : undefined
    record.account = account?.account

    if (account) {
      const waitMs = rateLimited(account.account, record.at)
      if (waitMs !== undefined) {
        return send(res, record, TOO_MANY, 'rate-limited', {
          'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
        })
      }
    }
    const fault = faults.next(record.method)
    if (fault && (await applyFault(fault, res, record))) return
    if (!token) return send(res, record, nestedError(10, 'Access token is missing'), 'poster-error')
    if (!account) return send(res, record, nestedError(11, 'Bad access token'), 'poster-error')
    const state = tokenState.get(account.account)
    if (state === 'expired') return send(res, record, nestedError(12, 'Access token expired'), 'poster-error')
    if (state === 'revoked') return send(res, record, nestedError(11, 'Bad access token'), 'poster-error')
    const section = record.method.split('.')[0]!
    if (!account.sections.includes(section)) {
      return send(res, record, nestedError(20, `No rights for section ${section}`), 'poster-error')
    }
    const answer = runMethod(record.method, req.method ?? 'GET', account.data, params, body, answerRng)
    const isError = typeof answer.body === 'object' && answer.body !== null && 'error' in answer.body
    send(res, record, answer, isError ? 'poster-error' : record.outcome === 'slow' ? 'slow' : 'ok')
  }

  async function handleOAuth(req: IncomingMessage, res: ServerResponse, record: FakeRequest) {
    const form = decodeForm(await readBody(req))
    record.body = {
      ...form,
      application_secret: form.application_secret === undefined ? undefined : '[redacted]',
    }
    const account = typeof form.code === 'string' ? codes.get(form.code) : undefined
    const fail = (code: number, type: string, message: string) =>
      send(
        res,
        record,
        { status: 200, body: { code, error_type: type, error_message: message } },
        'poster-error',
      )
    if (form.application_id !== application.id || form.application_secret !== application.secret) {
      return fail(400, 'invalid_client', 'Application id or secret is wrong')
    }
    if (form.grant_type !== 'authorization_code')
      return fail(400, 'unsupported_grant_type', 'grant_type must be authorization_code')
    if (!account) return fail(400, 'invalid_grant', 'Code is invalid or used')
    codes.delete(form.code as string)
    const found = accounts.find((a) => a.account === account)!
    tokenState.delete(account)
    record.account = account
    send(
      res,
      record,
      {
        status: 200,
        body: {
          access_token: found.token,
          account_number: String(found.accountNumber),
          user: { id: 1, name: 'Owner', email: `owner@${account}.example`, role_id: 3 },
          ownerInfo: {
            email: `owner@${account}.example`,
            phone: '+380670000000',
            city: 'Kyiv',
            country: 'UA',
            name: 'Owner',
            company_name: found.account,
          },
          tariff: { key: 'pro', next_pay_date: '2027-01-01', price: 59 },
        },
      },
      'ok',
    )
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake.poster')
    const record: FakeRequest = {
      at: performance.timeOrigin + performance.now(),
      httpMethod: req.method ?? 'GET',
      method: url.pathname.replace(/^\/api\//, ''),
      account: undefined,
      params: {},
      body: undefined,
      status: 0,
      outcome: 'pending',
    }
    requests.push(record)
    const run = async () => {
      if (url.pathname === '/api/v2/auth/access_token' && req.method === 'POST')
        return handleOAuth(req, res, record)
      if (url.pathname === '/api/auth' && req.method === 'GET') {
        const account = url.searchParams.get('account') ?? accounts[0]?.account ?? ''
        const redirect = new URL(url.searchParams.get('redirect_uri') ?? '')
        redirect.searchParams.set('code', fake.authorize(account))
        redirect.searchParams.set('account', account)
        record.status = 302
        record.outcome = 'ok'
        res.writeHead(302, { location: redirect.toString() })
        return res.end()
      }
      if (/^\/api\/[a-zA-Z]+\.[a-zA-Z0-9_]+$/.test(url.pathname)) return handleApi(req, res, url, record)
      send(res, record, { status: 404, body: { error: { code: 404, message: 'Not found' } } }, 'poster-error')
    }
    run().catch(() => {
      if (!res.headersSent)
        send(
          res,
          record,
          { status: 500, body: { error: { code: 500, message: 'Fake failed' } } },
          'fake-error',
        )
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  const fake: FakePoster = {
    url: `http://127.0.0.1:${port}`,
    accounts,
    requests,
    application,
    setFaults: (rates) => faults.set(rates),
    resetFaults: () => faults.reset(),
    failNext: (fault, o = {}) => faults.queue(fault, o.times ?? 1, o.method),
    expireToken: (account) => tokenState.set(account, 'expired'),
    revokeToken: (account) => tokenState.set(account, 'revoked'),
    authorize(account) {
      if (!accounts.some((a) => a.account === account))
        throw new Error(`fake Poster has no account "${account}"`)
      const code = randomUUID().replaceAll('-', '')
      codes.set(code, account)
      return code
    },
    async sendWebhook(target, event, secret = application.secret) {
      const account = accounts.find((a) => a.account === (event.account ?? accounts[0]?.account))
      if (!account) throw new Error(`fake Poster has no account "${event.account}"`)
      const data =
        event.data === undefined
          ? undefined
          : typeof event.data === 'string'
            ? event.data
            : JSON.stringify(event.data)
      const time = String(event.time ?? Math.floor(Date.now() / 1000))
      const fields = {
        account: account.account,
        object: event.object,
        object_id: String(event.object_id),
        action: event.action,
        data,
        time,
      }
      const payload: Record<string, unknown> = {
        account: account.account,
        account_number: String(account.accountNumber),
        object: event.object,
        object_id: event.object_id,
        action: event.action,
        time,
        verify: webhookSignature(fields, secret),
        ...(data === undefined ? {} : { data }),
      }
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      })
      return { status: response.status, body: await response.text(), payload }
    },
    clearRequests: () => {
      requests.length = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
  return fake
}
