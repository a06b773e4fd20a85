// Error tracking against a Sentry-protocol receiver on loopback (SENTRY_DSN points at it): real
// failures (the database refusing a table, Poster refusing a token) arrive as envelopes with the
// restaurant, user, job and Poster account tags and none of the secrets the request or job held;
// the admin page and API show each restaurant's last errors with the trace id Sentry got.
import type { AddressInfo } from 'node:net'
import { context, type ProxyTracerProvider, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEEP_PER_RESTAURANT, type RecentError } from '../src/telemetry/recent-errors'
import { launchBrowser, logIn } from './browser'
import { type SentryReceiver, startSentryReceiver } from './sentry-receiver'
import { bearer, ops, PASSWORD, type Stack, startStack, user } from './stack'

let receiver: SentryReceiver
let stack: Stack
let session: string
let managerId: number
let admin: string
let base: string
const posterToken = (i: number) => (stack.fake.accounts[i] as { token: string }).token

/** A recorded error as the admin API sends it: the dates as strings. */
type RecentErrorJson = Omit<RecentError, 'at'> & { at: string }
type SentryEvent = Record<string, unknown> & {
  tags: Record<string, string>
  event_id: string
  contexts: { trace: { trace_id: string } }
  exception: { values: Array<{ type: string; value: string }> }
  envelope: { raw: string; project: string; publicKey: string | undefined }
}

const sentEvents = () => receiver.events() as unknown as SentryEvent[]
const eventWhere = (where: string, extra: (e: SentryEvent) => boolean = () => true) =>
  receiver.waitFor(() => sentEvents().find((e) => e.tags?.where === where && extra(e)), 20_000)

/** No secret anywhere in what reached the receiver, decompressed (headers, tags, messages, frames). */
function expectNoSecrets(raw: string, secrets: Record<string, string>) {
  for (const [name, secret] of Object.entries(secrets)) expect(raw.includes(secret), name).toBe(false)
}

async function adminList() {
  const response = await stack.app.inject({
    method: 'GET',
    url: '/api/admin/restaurants',
    headers: bearer(admin),
  })
  expect(response.statusCode).toBe(200)
  return response.json() as {
    items: Array<{ id: string; recentErrors: RecentErrorJson[] }>
    otherErrors: RecentErrorJson[]
  }
}
const recentOf = async (id: string) => (await adminList()).items.find((r) => r.id === id)!.recentErrors

beforeAll(async () => {
  // What src/telemetry/otel.ts's NodeSDK registers: a context manager, so an active span has a trace id.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  receiver = await startSentryReceiver()
  stack = await startStack({
    label: 'errors',
    restaurants: 2,
    users: [user('manager@errors.test', { r0: 'manager', r1: 'admin' }), user('ops@errors.test', {}, true)],
    env: { SENTRY_DSN: receiver.dsn, SENTRY_ENVIRONMENT: 'test' },
  })
  session = await stack.login('manager@errors.test')
  admin = await stack.login('ops@errors.test')
  await stack.app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`
  const { rows } = await stack.owner.query<{ id: string }>(
    "SELECT id FROM control.users WHERE email = 'manager@errors.test'",
  )
  managerId = Number(rows[0]!.id)
}, 60_000)

afterAll(async () => {
  await stack?.close()
  await receiver?.close()
  context.disable()
})

describe('error tracking with SENTRY_DSN', () => {
  it('a request the database fails reaches Sentry tagged, with no credential it carried', async () => {
    await stack.owner.query('REVOKE INSERT ON sections FROM rc_app')
    try {
      const response = await stack.app.inject({
        method: 'POST',
        url: '/api/restaurants/r0/sections',
        headers: { authorization: `Bearer ${session}`, cookie: `rc_session=${session}` },
        payload: { name: 'Bar', password: PASSWORD },
      })
      expect(response.statusCode).toBe(500)
    } finally {
      await stack.owner.query('GRANT INSERT ON sections TO rc_app')
    }
    const event = await eventWhere('POST /api/restaurants/:restaurantId/sections')
    expect(event.envelope).toMatchObject({ project: '1', publicKey: 'publickey' })
    expect(event.tags).toMatchObject({
      kind: 'request',
      restaurant: 'r0',
      user_id: String(managerId),
      poster_account: 'acct-r0',
      status: '500',
    })
    expect(event.level).toBe('error')
    expect(event.environment).toBe('test')
    expect(event.exception.values.at(-1)!.value).toMatch(/permission denied for table sections/)
    expect(event.user).toEqual({ id: String(managerId) })
    expectNoSecrets(event.envelope.raw, {
      posterToken: posterToken(0),
      sessionToken: session,
      password: PASSWORD,
      authorization: `Bearer ${session}`,
      cookie: `rc_session=${session}`,
    })

    const [recorded] = await recentOf('r0')
    expect(recorded).toMatchObject({
      kind: 'request',
      where: 'POST /api/restaurants/:restaurantId/sections',
      userId: managerId,
      sentryEventId: event.event_id,
    })
    expect(recorded!.message).toMatch(/permission denied/)
    expect(recorded!.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(recorded!.traceId).toBe(event.contexts.trace.trace_id)
  }, 30_000)

  it('a sync job Poster refuses reaches Sentry tagged with the job and the account', async () => {
    stack.fake.revokeToken('acct-r1')
    // Sync now, as the restaurant's admin: the job knows who asked.
    const started = await stack.app.inject({
      method: 'POST',
      url: '/api/restaurants/r1/sync',
      headers: bearer(session),
    })
    expect(started.statusCode).toBe(202)
    const id = started.json().jobId as string
    expect((await stack.waitForJob(id)).state).toBe('failed')
    const event = await eventWhere('job sync', (e) => e.tags.job_id === id)
    expect(event.tags).toMatchObject({
      kind: 'job',
      job: 'sync',
      job_id: id,
      job_attempt: '1',
      job_final: 'true',
      restaurant: 'r1',
      user_id: String(managerId),
      poster_account: 'acct-r1',
    })
    expect(event.exception.values.at(-1)!.value).toMatch(/refused the token of r1/)
    expectNoSecrets(event.envelope.raw, { posterToken: posterToken(1), password: PASSWORD })

    const recorded = (await recentOf('r1')).find((e) => e.jobId === id)
    expect(recorded).toMatchObject({
      kind: 'job',
      where: 'job sync',
      userId: managerId,
      sentryEventId: event.event_id,
    })
    expect(recorded!.traceId).toBe(event.contexts.trace.trace_id)
  }, 90_000)

  it('a login the database fails carries no password, and is listed apart from the restaurants', async () => {
    await stack.owner.query('REVOKE SELECT ON control.users FROM rc_app')
    try {
      const response = await stack.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'manager@errors.test', password: PASSWORD },
      })
      expect(response.statusCode).toBe(500)
    } finally {
      await stack.owner.query('GRANT SELECT ON control.users TO rc_app')
    }
    const event = await eventWhere('POST /api/auth/login')
    expect(event.tags.restaurant).toBeUndefined()
    expectNoSecrets(event.envelope.raw, { password: PASSWORD })
    const { otherErrors } = await adminList()
    expect(otherErrors[0]).toMatchObject({ where: 'POST /api/auth/login', sentryEventId: event.event_id })
  }, 30_000)

  it("scrubs secrets an error's message quotes, and takes the active OpenTelemetry span's trace id", async () => {
    // Sentry took none of OpenTelemetry's globals (an app's NodeSDK registers them, before or after).
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate().constructor.name).toBe(
      'NoopTracerProvider',
    )
    expect(propagation.fields()).toEqual([])
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const span = trace.wrapSpanContext({ traceId, spanId: '00f067aa0ba902b7', traceFlags: 1 })
    // Named as a secret only: the password. The Poster token is found through the restaurant, the
    // session token by its shapes (Bearer, the cookie).
    const reported = context.with(trace.setSpan(context.active(), span), () =>
      stack.runtime.errors.report(
        new Error(
          `Poster said no to ${posterToken(0)}; cookie rc_session=${session}; Authorization: Bearer ${session}; typed ${PASSWORD}`,
        ),
        { kind: 'job', where: 'job quoting', restaurant: 'r0' },
        [PASSWORD],
      ),
    )
    expect(reported).toBe(traceId)
    const event = await eventWhere('job quoting')
    expect(event.contexts.trace.trace_id).toBe(traceId)
    expect(event.exception.values.at(-1)!.value).toContain('[Filtered]')
    expectNoSecrets(event.envelope.raw, {
      posterToken: posterToken(0),
      sessionToken: session,
      password: PASSWORD,
    })
    await stack.runtime.errors.settled()
    const recorded = (await recentOf('r0')).find((e) => e.where === 'job quoting')
    expect(recorded!.traceId).toBe(traceId)
    expectNoSecrets(recorded!.message, { posterToken: posterToken(0), session, password: PASSWORD })
  }, 30_000)

  it("reports a request's server span trace id, kept through the app's hooks, Redis and PostgreSQL", async () => {
    // What OpenTelemetry's HTTP instrumentation does: each request handled inside its server span's
    // context, the request stream bound to it. (app.inject runs outside any context: a real socket.)
    const traceId = '0af7651916cd43dd8448eb211c80319c'
    const span = trace.wrapSpanContext({ traceId, spanId: 'b7ad6b7169203331', traceFlags: 1 })
    const server = stack.app.server
    const handlers = server.listeners('request') as Array<(...args: unknown[]) => void>
    server.removeAllListeners('request')
    server.on('request', (req, res) => {
      const active = trace.setSpan(context.active(), span)
      context.with(active, () => {
        context.bind(active, req)
        for (const handler of handlers) handler.call(server, req, res)
      })
    })
    await stack.owner.query('REVOKE INSERT ON sections FROM rc_app')
    try {
      const response = await fetch(`${base}/api/restaurants/r0/sections`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Kitchen' }),
      })
      expect(response.status).toBe(500)
    } finally {
      await stack.owner.query('GRANT INSERT ON sections TO rc_app')
      server.removeAllListeners('request')
      for (const handler of handlers) server.on('request', handler)
    }
    const event = await eventWhere(
      'POST /api/restaurants/:restaurantId/sections',
      (e) => e.contexts.trace.trace_id === traceId,
    )
    expect(event.tags).toMatchObject({ restaurant: 'r0', user_id: String(managerId) })
    const recorded = (await recentOf('r0')).find((e) => e.sentryEventId === event.event_id)
    expect(recorded!.traceId).toBe(traceId)
  }, 30_000)

  it('shows the last errors on the admin page, with their trace ids', async () => {
    const [latest] = await recentOf('r0')
    let browser: Browser | undefined
    try {
      browser = await launchBrowser()
      const page = await browser.newPage()
      await logIn(page, base, 'ops@errors.test', PASSWORD, '/app')
      await page.goto(`${base}/admin`)
      const cell = page.locator('tr[data-restaurant="r0"] details.recent-errors')
      await cell.locator('summary').click()
      const first = cell.locator('li.recent-error').first()
      expect(await first.locator('.trace-id').textContent()).toBe(latest!.traceId)
      expect(await first.locator('.where').textContent()).toBe(latest!.where)
      expect(await page.locator('#other-errors .where').first().textContent()).toBe('POST /api/auth/login')
    } finally {
      await browser?.close()
    }
  }, 60_000)

  it(`keeps the newest ${KEEP_PER_RESTAURANT} errors of a restaurant`, async () => {
    for (let i = 0; i < KEEP_PER_RESTAURANT + 5; i++) {
      await stack.runtime.recentErrors.record({
        restaurantId: 'r1',
        kind: 'job',
        where: `job filler-${i}`,
        message: `filler ${i}`,
        traceId: 'a'.repeat(32),
        sentryEventId: null,
        userId: null,
        jobId: null,
      })
    }
    const kept = await stack.runtime.recentErrors.of('r1', 100)
    expect(kept).toHaveLength(KEEP_PER_RESTAURANT)
    expect(kept[0]!.where).toBe(`job filler-${KEEP_PER_RESTAURANT + 4}`)
    const response = await stack.app.inject({
      method: 'GET',
      url: '/api/admin/restaurants/r1/errors',
      headers: bearer(admin),
    })
    expect(response.json().items).toHaveLength(KEEP_PER_RESTAURANT)
    // The list carries only the newest few per restaurant.
    expect((await recentOf('r1')).length).toBeLessThanOrEqual(5)
  })

  it('flushes queued events when a runtime closes, and /metrics answers as before', async () => {
    const other = await stack.instance()
    other.runtime.errors.report(new Error('reported just before shutdown'), {
      kind: 'job',
      where: 'job shutdown',
      restaurant: 'r0',
    })
    await other.close()
    expect(sentEvents().some((e) => e.tags?.where === 'job shutdown')).toBe(true)
    // Error events only: no sessions, client reports, spans or logs ever went out.
    expect([...new Set(receiver.envelopes.flatMap((e) => e.items.map((i) => i.header.type)))]).toEqual([
      'event',
    ])

    const metrics = await stack.app.inject({ method: 'GET', url: '/metrics', headers: ops })
    expect(metrics.statusCode).toBe(200)
    expect(metrics.body).toMatch(/http_request_duration_seconds_count\{[^}]*status="500"/)
  }, 30_000)
})
