import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAccounts } from './accounts'
import { nestedError, runMethod } from './api'
import { replyWithFault } from './fault-reply'
import { createFaultPlan } from './faults'
import { parseBody, readBody, send, TOO_MANY } from './http'
import { createOAuthRoutes } from './oauth-routes'
import { createRng } from './rng'
import type { FakeAccount, FakeAccountInput, FakePoster, FakePosterOptions, FakeRequest } from './types'
import { sendSignedWebhook } from './webhook-sender'

/** Starts a fake Poster API on 127.0.0.1: realistic data per account, token checks, rate limit, faults. */
export async function createFakePoster(options: FakePosterOptions = {}): Promise<FakePoster> {
  const seed = options.seed ?? 1
  const clock = options.now ?? Date.now
  const start = new Date(clock())
  const today = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate())
  const accounts = createAccounts(options.accounts, seed, today)
  const byToken = new Map(accounts.map((a) => [a.token, a]))
  const tokenState = new Map<string, 'expired' | 'revoked'>()
  const application = options.application ?? { id: '1000', secret: 'fake-app-secret' }
  // Accounts added while running (at authorize time, or addAccount) and, with `accountsFile`, kept in it.
  const added: Array<Exclude<FakeAccountInput, string>> =
    options.accountsFile && existsSync(options.accountsFile)
      ? JSON.parse(readFileSync(options.accountsFile, 'utf8'))
      : []
  function create(input: FakeAccountInput): FakeAccount {
    const spec = typeof input === 'string' ? { account: input } : input
    if (accounts.some((a) => a.account === spec.account))
      throw new Error(`fake Poster has an account "${spec.account}" already`)
    const accountNumber = spec.accountNumber ?? Math.max(100_000, ...accounts.map((a) => a.accountNumber)) + 1
    const [account] = createAccounts([{ ...spec, accountNumber }], seed, today) as [FakeAccount]
    accounts.push(account)
    byToken.set(account.token, account)
    return account
  }
  for (const spec of added) if (!accounts.some((a) => a.account === spec.account)) create(spec)
  function addAccount(input: FakeAccountInput): FakeAccount {
    const account = create(input)
    // Name, number and token are enough: the data is generated again from them and the seed.
    added.push({
      account: account.account,
      accountNumber: account.accountNumber,
      token: account.token,
      sections: account.sections,
    })
    if (options.accountsFile) writeFileSync(options.accountsFile, JSON.stringify(added, null, 2))
    return account
  }
  const oauth = createOAuthRoutes(accounts, application, (account) => tokenState.delete(account), {
    consent: options.consent ?? 'auto',
    addAccount,
  })
  const faults = createFaultPlan(createRng(seed * 31 + 17), options.faults)
  const answerRng = createRng(seed * 13 + 5)
  const served = new Map<string, number[]>()
  const requests: FakeRequest[] = []

  const windows = [
    { ms: 1000, limit: options.rateLimit?.perSecond },
    { ms: 60_000, limit: options.rateLimit?.perMinute },
  ].filter((w): w is { ms: number; limit: number } => w.limit !== undefined)
  const longestMs = Math.max(0, ...windows.map((w) => w.ms))

  /** Sliding per-second and per-minute limits on served requests; the wait in ms when over either. */
  function overLimit(account: string, now: number): number | undefined {
    if (windows.length === 0) return undefined
    const times = (served.get(account) ?? []).filter((t) => t > now - longestMs)
    served.set(account, times)
    let waitMs: number | undefined
    for (const { ms, limit } of windows) {
      const inWindow = times.filter((t) => t > now - ms)
      if (inWindow.length < limit) continue
      // Room again once the request that filled the window leaves it.
      const wait = inWindow[inWindow.length - limit]! + ms - now
      waitMs = Math.max(waitMs ?? 0, wait)
    }
    // A refused request is not served, so it takes no slot (as before).
    if (waitMs === undefined) times.push(now)
    return waitMs
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, record: FakeRequest) {
    const raw = await readBody(req)
    const isPost = req.method === 'POST'
    const params = Object.fromEntries([...url.searchParams].filter(([k]) => k !== 'token'))
    const body = isPost ? parseBody(raw, req.headers['content-type']) : {}
    record.params = params
    record.body = isPost ? body : undefined
    const token = url.searchParams.get('token')
    const account = token ? byToken.get(token) : undefined
    record.account = account?.account

    const waitMs = account ? overLimit(account.account, record.at) : undefined
    if (waitMs !== undefined) {
      return send(res, record, TOO_MANY, 'rate-limited', {
        'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
      })
    }
    const fault = faults.next(record.method, account?.account)
    const timing = { slowDelayMs: faults.slowDelayMs, retryAfterMs: faults.retryAfterMs }
    const played = fault ? await replyWithFault(fault, res, record, timing, answerRng) : 'continue'
    if (played === 'answered') return
    if (!token) return send(res, record, nestedError(10, 'Access token is missing'), 'poster-error')
    if (!account) return send(res, record, nestedError(11, 'Bad access token'), 'poster-error')
    const state = tokenState.get(account.account)
    if (state === 'expired') return send(res, record, nestedError(12, 'Access token expired'), 'poster-error')
    if (state === 'revoked') return send(res, record, nestedError(11, 'Bad access token'), 'poster-error')
    const section = record.method.split('.')[0]!
    if (!account.sections.includes(section)) {
      return send(res, record, nestedError(20, `No rights for section ${section}`), 'poster-error')
    }
    const context = { now: clock(), rng: answerRng, variants: options.variants ?? false }
    const answer = runMethod(record.method, req.method ?? 'GET', account.data, params, body, context)
    // A lost reply: the work is done, the answer never leaves (the client times out).
    if (played === 'swallow') return
    const isError = typeof answer.body === 'object' && answer.body !== null && 'error' in answer.body
    send(res, record, answer, isError ? 'poster-error' : record.outcome === 'slow' ? 'slow' : 'ok')
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
    const route = async () => {
      if (url.pathname === '/api/v2/auth/access_token' && req.method === 'POST')
        return oauth.exchange(req, res, record)
      if (url.pathname === '/api/auth' && req.method === 'GET') return oauth.consent(url, res, record)
      if (url.pathname === '/api/auth' && req.method === 'POST') return oauth.decide(req, res, record)
      if (/^\/api\/[a-zA-Z]+\.[a-zA-Z0-9_]+$/.test(url.pathname)) return handleApi(req, res, url, record)
      send(res, record, { status: 404, body: { error: { code: 404, message: 'Not found' } } }, 'poster-error')
    }
    route().catch(() => {
      if (!res.headersSent) {
        send(
          res,
          record,
          { status: 500, body: { error: { code: 500, message: 'Fake failed' } } },
          'fake-error',
        )
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    accounts,
    requests,
    application,
    setFaults: (rates) => faults.set(rates),
    resetFaults: () => faults.reset(),
    failNext: (fault, o = {}) => faults.queue(fault, o.times ?? 1, o),
    expireToken: (account) => tokenState.set(account, 'expired'),
    revokeToken: (account) => tokenState.set(account, 'revoked'),
    authorize: oauth.authorize,
    addAccount,
    sendWebhook(target, event, secret = application.secret) {
      const name = event.account ?? accounts[0]?.account
      const account = accounts.find((a) => a.account === name)
      if (!account) return Promise.reject(new Error(`fake Poster has no account "${name}"`))
      return sendSignedWebhook(target, account, event, secret)
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
}
