import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerEsmHook } from '../src/telemetry/esm-hook'
import { startTelemetry, type Telemetry } from '../src/telemetry/otel'
import type { Stack } from './stack'

// The SDK starts before anything imports fastify, pg or ioredis (they are patched as they load), as the
// app's preload does: ./stack and the app code are imported only after it, dynamically.
registerEsmHook()
const exporter = new InMemorySpanExporter()
let telemetry: Telemetry
let stack: Stack
let base: string
const logLines: string[] = []
const sessionTokens: string[] = []
let PASSWORD: string

beforeAll(async () => {
  telemetry = startTelemetry({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
  const { startStack, user, PASSWORD: password } = await import('./stack')
  PASSWORD = password
  stack = await startStack({
    label: 'telemetry',
    restaurants: 2,
    users: [user('admin@example.com', { r0: 'admin', r1: 'admin' })],
    env: { LOG_LEVEL: 'debug', POSTER_PER_SECOND: '5' },
    logStream: { write: (line: string) => void logLines.push(line) },
  })
  base = await stack.app.listen({ port: 0, host: '127.0.0.1' })
}, 60_000)

afterAll(async () => {
  await stack?.close()
  await telemetry?.shutdown()
})

const spans = () => exporter.getFinishedSpans()
const id = (s: ReadableSpan) => s.spanContext().spanId
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId
const inTrace = (traceId: string) => spans().filter((s) => s.spanContext().traceId === traceId)

/** The spans of `trace` from `root` down, each with its depth: for asserting and for failure messages. */
function tree(all: ReadableSpan[], root: ReadableSpan, depth = 0): { span: ReadableSpan; depth: number }[] {
  return [
    { span: root, depth },
    ...all.filter((s) => parentOf(s) === id(root)).flatMap((child) => tree(all, child, depth + 1)),
  ]
}
const draw = (all: ReadableSpan[], root: ReadableSpan) =>
  tree(all, root)
    .map(({ span, depth }) => `${'  '.repeat(depth)}${span.name}`)
    .join('\n')

/** The chain of ancestors of `span` up to the trace's root. */
function ancestors(all: ReadableSpan[], span: ReadableSpan): ReadableSpan[] {
  const parent = all.find((s) => id(s) === parentOf(span))
  return parent ? [parent, ...ancestors(all, parent)] : []
}
const isUnder = (all: ReadableSpan[], span: ReadableSpan, ancestor: ReadableSpan) =>
  ancestors(all, span).some((s) => id(s) === id(ancestor))
const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6
// Span start times are whole milliseconds (see the ordering check below).
const CLOCK_RESOLUTION_MS = 1

async function until<T>(what: string, find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = find()
    if (found) return found
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function login(): Promise<string> {
  const response = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: PASSWORD }),
  })
  expect(response.status).toBe(200)
  const token = ((await response.json()) as { token: string }).token
  sessionTokens.push(token)
  return token
}

/** A real HTTP request (the HTTP instrumentation sees `inject()` not at all); its server span. */
async function request(method: string, path: string, token: string) {
  const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}` } })
  const body = await response.json()
  const server = await until(`${method} ${path} server span`, () =>
    spans().find(
      (s) =>
        s.kind === SpanKind.SERVER &&
        s.attributes['http.request.method'] === method &&
        s.attributes['url.path'] === path &&
        !seen.has(id(s)),
    ),
  )
  seen.add(id(server))
  return { status: response.status, body, server }
}
const seen = new Set<string>()

describe('traces of the app (SDK on, in-memory exporter)', () => {
  it('a cold GET …/ingredients: HTTP route → rate decision → getOrSet (miss) → load → tenant query → pg query', async () => {
    const token = await login()
    const path = '/api/restaurants/r0/ingredients'
    const { status, server } = await request('GET', path, token)
    expect(status).toBe(200)
    expect(server.name).toBe('GET /api/restaurants/:restaurantId/ingredients')
    expect(server.attributes['http.route']).toBe('/api/restaurants/:restaurantId/ingredients')
    const all = inTrace(server.spanContext().traceId)
    const picture = draw(all, server)
    expect(
      all.every((s) => s === server || isUnder(all, s, server)),
      picture,
    ).toBe(true)

    const decisions = all.filter((s) => s.name === 'rate-tiers decide')
    expect(decisions.length, picture).toBeGreaterThanOrEqual(1)
    const getOrSet = all.find(
      (s) => s.name === 'cache getOrSet' && String(s.attributes['rc.cache.key']).startsWith('ingredients:'),
    )
    expect(getOrSet, picture).toBeDefined()
    expect(getOrSet?.attributes).toMatchObject({
      'rc.cache.outcome': 'miss',
      'rc.cache.namespace': 'tenant:r0',
    })
    // The decision is made (and over) before the handler reads the cache. Judged to the SDK's clock:
    // a span's start is Date.now() (whole ms), its end a performance reading anchored to that start,
    // so two spans' times can disagree by up to 1 ms (once in CI: an end 0.31 ms after the next start).
    for (const decision of decisions)
      expect(ms(decision.endTime)).toBeLessThanOrEqual(ms(getOrSet!.startTime) + CLOCK_RESOLUTION_MS)
    expect(decisions.some((d) => d.attributes['rc.rate.allowed'] === true)).toBe(true)

    const load = all.find((s) => s.name === 'cache load' && parentOf(s) === id(getOrSet!))
    expect(load, picture).toBeDefined()
    // The listing is one `db.query`: a tenant transaction of its own (set_config + the statement in one
    // implicit transaction), traced as rc:tenant-db:query; a `withTenant` would add its span above it.
    const tx = all.find(
      (s) => s.instrumentationScope.name === '@rc/otel' && s.attributes['rc.tenant.id'] === 'r0',
    )
    expect(tx, picture).toBeDefined()
    expect(isUnder(all, tx!, load!), picture).toBe(true)
    expect(tx?.kind).toBe(SpanKind.CLIENT)
    expect(tx?.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT' })
    expect(String(tx?.attributes['db.query.text'])).toMatch(/FROM ingredients/)
    const pg = all.filter(
      (s) => s.instrumentationScope.name === '@opentelemetry/instrumentation-pg' && parentOf(s) === id(tx!),
    )
    const query = pg.find((s) => String(s.attributes['db.query.text'] ?? '').includes('FROM ingredients'))
    expect(query, picture).toBeDefined()
    expect(query?.kind).toBe(SpanKind.CLIENT)
  })

  it('the same GET warm: HTTP route → rate decision → getOrSet hit from l1, no load, no query', async () => {
    const token = await login()
    const listing = async () => {
      const { status, server } = await request('GET', '/api/restaurants/r0/ingredients', token)
      expect(status).toBe(200)
      const all = inTrace(server.spanContext().traceId)
      const getOrSet = all.find(
        (s) => s.name === 'cache getOrSet' && String(s.attributes['rc.cache.key']).startsWith('ingredients:'),
      )
      return { all, server, getOrSet, picture: draw(all, server) }
    }
    // Warm: a hit, and no loader or query ran. A value loaded while any invalidation reached l1 is kept
    // out of l1 by @rc/cache (it may be older than the invalidation): that first hit may come from Redis.
    const first = await listing()
    expect(first.getOrSet?.attributes, first.picture).toMatchObject({ 'rc.cache.outcome': 'hit' })
    expect(
      first.all.some((s) => s.name === 'cache load' || s.instrumentationScope.name.endsWith('-pg')),
    ).toBe(false)
    let warm = first
    for (let i = 0; i < 3 && warm.getOrSet?.attributes['rc.cache.layer'] !== 'l1'; i++) warm = await listing()
    const { all, getOrSet, picture } = warm
    expect(
      all.some((s) => s.name === 'rate-tiers decide'),
      picture,
    ).toBe(true)
    expect(getOrSet?.attributes, picture).toMatchObject({ 'rc.cache.outcome': 'hit', 'rc.cache.layer': 'l1' })
    // From l1: not even a Redis round trip under it.
    expect(
      all.filter((s) => isUnder(all, s, getOrSet!)),
      picture,
    ).toEqual([])
  })

  it('a sync job is a trace of its own, linked to the POST …/sync, with every Poster call, retry and wait', async () => {
    const token = await login()
    stack.fake.clearRequests()
    // One 429 and one 5xx from Poster: each is retried by the client, and must show as an attempt.
    stack.fake.failNext('rate-limit', { account: 'acct-r0' })
    stack.fake.failNext('server-error', { account: 'acct-r0' })
    const { status, body, server } = await request('POST', '/api/restaurants/r0/sync', token)
    expect(status).toBe(202)
    const jobId = (body as { jobId: string }).jobId
    expect((await stack.waitForJob(jobId, 60_000)).state).toBe('completed')

    const job = await until('process sync span', () =>
      spans().find((s) => s.name === 'process sync' && s.attributes['messaging.message.id'] === jobId),
    )
    expect(job.kind).toBe(SpanKind.CONSUMER)
    expect(job.parentSpanContext).toBeUndefined()
    // Linked to the producer span inside the request's trace.
    const requestTrace = inTrace(server.spanContext().traceId)
    const send = requestTrace.find((s) => s.name === 'send sync')
    expect(send && isUnder(requestTrace, send, server)).toBe(true)
    expect(job.links.map((l) => l.context.spanId)).toEqual([id(send!)])
    expect(job.links[0]?.context.traceId).toBe(server.spanContext().traceId)

    const all = inTrace(job.spanContext().traceId)
    const picture = draw(all, job)
    const calls = all.filter((s) => s.name.startsWith('poster ') && s.name !== 'poster limiter')
    const attempts = all.filter(
      (s) => s.kind === SpanKind.CLIENT && s.attributes['rc.poster.method'] !== undefined,
    )
    const waits = all.filter((s) => s.name === 'poster limiter')
    // Every request the fake received for this account is one attempt span, under its call's span.
    const received = stack.fake.requests.filter((r) => r.account === 'acct-r0')
    expect(attempts.length, picture).toBe(received.length)
    for (const attempt of attempts)
      expect(
        calls.some((c) => parentOf(attempt) === id(c)),
        picture,
      ).toBe(true)
    expect(calls.length, picture).toBeGreaterThanOrEqual(5)
    const failed = attempts.filter((a) =>
      [429, 500, 502, 503].includes(Number(a.attributes['http.response.status_code'])),
    )
    expect(
      failed.map((a) => a.attributes['rc.poster.will_retry']),
      picture,
    ).toEqual([true, true])
    // Each failed attempt is an error span with the client's exception, though the call went on.
    for (const attempt of failed) {
      expect(attempt.status.code).toBe(SpanStatusCode.ERROR)
      expect(attempt.events.map((e) => e.name)).toEqual(['exception'])
    }
    const resends = attempts.filter((a) => Number(a.attributes['http.request.resend_count']) >= 1)
    expect(resends.length, picture).toBeGreaterThanOrEqual(1)
    for (const call of calls.filter((c) => Number(c.attributes['rc.poster.attempts']) > 1))
      expect(attempts.filter((a) => parentOf(a) === id(call)).length).toBe(
        Number(call.attributes['rc.poster.attempts']),
      )
    // The limiter is consulted before each attempt (5/s for this account: most calls wait).
    expect(waits.length, picture).toBeGreaterThanOrEqual(attempts.length)
    expect(
      waits.some((w) => Number(w.attributes['rc.poster.limiter.waited_ms']) > 0),
      picture,
    ).toBe(true)
    for (const attempt of attempts) {
      expect(String(attempt.attributes['url.full'])).toContain('token=REDACTED')
      expect(attempt.attributes['server.address']).toBe('127.0.0.1')
    }
  }, 90_000)

  it('log lines inside a trace carry its trace_id and span_id', () => {
    const traced = logLines.map((line) => JSON.parse(line)).filter((l) => l.trace_id)
    expect(traced.length).toBeGreaterThan(0)
    const traceIds = new Set(spans().map((s) => s.spanContext().traceId))
    const spanIds = new Set(spans().map(id))
    for (const line of traced) {
      expect(traceIds.has(line.trace_id)).toBe(true)
      expect(spanIds.has(line.span_id)).toBe(true)
    }
  })

  it('no span (attributes, events, links, status) and no log line holds a Poster token, session token or password', () => {
    const secrets = [
      ...stack.fake.accounts.map((a) => a.token),
      ...sessionTokens,
      PASSWORD,
      stack.runtime.config.posterAppSecret,
      ...Object.values(stack.runtime.config.tokenKeys.keys),
    ]
    expect(secrets.length).toBeGreaterThanOrEqual(6)
    const texts = spans().map((s) =>
      JSON.stringify({
        name: s.name,
        attributes: s.attributes,
        events: s.events,
        links: s.links,
        status: s.status,
        resource: s.resource.attributes,
      }),
    )
    expect(texts.length).toBeGreaterThan(50)
    expect(logLines.length).toBeGreaterThan(10)
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThanOrEqual(8)
      const span = texts.find((t) => t.includes(secret))
      expect(span, `a span holds a secret: ${span?.slice(0, 300)}`).toBeUndefined()
      const line = logLines.find((l) => l.includes(secret))
      expect(line, `a log line holds a secret: ${line?.slice(0, 300)}`).toBeUndefined()
    }
  })
})
