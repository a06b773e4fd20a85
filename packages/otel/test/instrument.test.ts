import { tracingChannel } from 'node:diagnostics_channel'
import { context, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { instrumentRc, type RcInstrumentation, rcChannels } from '../src/index'
import { byName, parentOf, startSdk, tick, traced } from './tracing'

let sdk: ReturnType<typeof startSdk>
let rc: RcInstrumentation | undefined

beforeEach(() => {
  sdk = startSdk()
})
afterEach(async () => {
  rc?.disable()
  rc = undefined
  await sdk.stop()
})

const getOrSet = (key: string, load: () => Promise<unknown>) => {
  const ctx: Record<string, unknown> = { namespace: 'tenant:r0', key, store: 'redis' }
  return traced(rcChannels.cache.getOrSet, ctx, async () => {
    const value = await traced(rcChannels.cache.load, { namespace: 'tenant:r0', key }, load)
    Object.assign(ctx, { outcome: 'miss', layer: undefined, loaded: true, coalesced: false })
    return value
  })
}

const tenantQuery = (text: string) =>
  traced(rcChannels.tenantDb.withTenant, { tenantId: 'r0', database: 'app', role: 'app' }, async () => {
    await tick()
    const ctx: Record<string, unknown> = { tenantId: 'r0', text, operation: 'SELECT', database: 'app' }
    return traced(rcChannels.tenantDb.query, ctx, async () => {
      await tick()
      ctx.rowCount = 1
      return [{ id: 1 }]
    })
  })

describe('instrumentRc', () => {
  it('nests spans through the active context: getOrSet → load → withTenant → query', async () => {
    rc = instrumentRc()
    expect(rc.nested).toBe(true)
    const root = trace.getTracer('test').startSpan('GET /ingredients')
    const rows = await context.with(trace.setSpan(context.active(), root), () =>
      getOrSet('ingredients', () => tenantQuery('SELECT * FROM ingredients WHERE id = $1')),
    )
    root.end()
    expect(rows).toEqual([{ id: 1 }])

    const spans = sdk.spans()
    const outer = byName(spans, 'cache getOrSet')
    const load = byName(spans, 'cache load')
    const tx = byName(spans, 'tenant-db withTenant')
    const query = byName(spans, 'SELECT app')
    expect(parentOf(outer)).toBe(root.spanContext().spanId)
    expect(parentOf(load)).toBe(outer.spanContext().spanId)
    expect(parentOf(tx)).toBe(load.spanContext().spanId)
    expect(parentOf(query)).toBe(tx.spanContext().spanId)
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1)
  })

  it('keeps concurrent operations apart: each nested span has its own parent', async () => {
    rc = instrumentRc()
    await Promise.all(['a', 'b', 'c'].map((key) => getOrSet(key, () => tenantQuery(`SELECT '${key}'`))))
    const spans = sdk.spans()
    for (const key of ['a', 'b', 'c']) {
      const query = spans.find((s) => s.attributes['db.query.text'] === `SELECT '${key}'`)
      const tx = spans.find((s) => s.spanContext().spanId === parentOf(query!))
      const load = spans.find((s) => s.spanContext().spanId === parentOf(tx!))
      expect(load?.attributes['rc.cache.key']).toBe(key)
    }
  })

  it('cache: namespace, key, store, db.system.name and the result fields set before settling', async () => {
    rc = instrumentRc()
    await getOrSet('ingredients', async () => 1)
    const span = byName(sdk.spans(), 'cache getOrSet')
    expect(span.kind).toBe(SpanKind.INTERNAL)
    expect(span.attributes).toEqual({
      'rc.cache.operation': 'getOrSet',
      'rc.cache.namespace': 'tenant:r0',
      'rc.cache.key': 'ingredients',
      'rc.cache.store': 'redis',
      'db.system.name': 'redis',
      'rc.cache.outcome': 'miss',
      'rc.cache.loaded': true,
      'rc.cache.coalesced': false,
    })
    const set = { namespace: '', key: 'k', store: 'postgres', ttlMs: 60_000, tags: ['inventory'] }
    await traced(rcChannels.cache.set, set, async () => {})
    expect(byName(sdk.spans(), 'cache set').attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'rc.cache.ttl_ms': 60_000,
      'rc.cache.tags': ['inventory'],
    })
  })

  it('cache tag invalidations: one span named after the method, with the namespace, store and tags', async () => {
    rc = instrumentRc()
    const cases = [
      [{ mode: 'invalidate', scope: 'namespace' }, 'invalidateTags'],
      [{ mode: 'invalidate', scope: 'everywhere' }, 'invalidateTagsEverywhere'],
      [{ mode: 'expire', scope: 'namespace' }, 'expireTags'],
    ] as const
    for (const [how, method] of cases) {
      const ctx = { namespace: 'tenant:r0', store: 'redis', tags: ['stock'], ...how }
      await traced(rcChannels.cache.invalidate, ctx, async () => {})
      expect(byName(sdk.spans(), `cache ${method}`).attributes).toMatchObject({
        'rc.cache.operation': method,
        'rc.cache.namespace': 'tenant:r0',
        'rc.cache.store': 'redis',
        'db.system.name': 'redis',
        'rc.cache.tags': ['stock'],
      })
    }
  })

  it('cache batches: the keys, how many, and the hits or keys loaded', async () => {
    rc = instrumentRc()
    const ctx: Record<string, unknown> = { namespace: 'tenant:r0', key: 'a b c', store: 'postgres', count: 3 }
    await traced(rcChannels.cache.getOrSetMany, ctx, async () => {
      ctx.loadedKeys = 2
    })
    expect(byName(sdk.spans(), 'cache getOrSetMany').attributes).toMatchObject({
      'rc.cache.operation': 'getOrSetMany',
      'rc.cache.namespace': 'tenant:r0',
      'rc.cache.key': 'a b c',
      'rc.cache.key_count': 3,
      'rc.cache.loaded_keys': 2,
      'db.system.name': 'postgresql',
    })
    const read: Record<string, unknown> = { namespace: '', key: 'a b', store: 'memory', count: 2 }
    await traced(rcChannels.cache.getMany, read, async () => {
      read.hits = 1
    })
    expect(byName(sdk.spans(), 'cache getMany').attributes).toMatchObject({ 'rc.cache.hits': 1 })
  })

  it('cacheKeys: false leaves keys out', async () => {
    rc = instrumentRc({ cacheKeys: false })
    const ctx = {
      namespace: 'sessions',
      key: 'user@example.com',
      store: 'memory',
      outcome: 'hit',
      layer: 'l1',
    }
    await traced(rcChannels.cache.get, ctx, async () => 'v')
    const span = byName(sdk.spans(), 'cache get')
    expect(span.attributes['rc.cache.key']).toBeUndefined()
    expect(span.attributes['db.system.name']).toBeUndefined() // memory is no database
    expect(span.attributes).toMatchObject({ 'rc.cache.outcome': 'hit', 'rc.cache.layer': 'l1' })
    const batch = { namespace: 'sessions', key: 'a@example.com b@example.com', store: 'memory', count: 2 }
    await traced(rcChannels.cache.getMany, batch, async () => [])
    expect(byName(sdk.spans(), 'cache getMany').attributes['rc.cache.key']).toBeUndefined()
  })

  it('tenant-db: database client spans with the semantic conventions, text without values', async () => {
    rc = instrumentRc()
    await tenantQuery('SELECT * FROM orders WHERE status = $1')
    const query = byName(sdk.spans(), 'SELECT app')
    expect(query.kind).toBe(SpanKind.CLIENT)
    expect(query.attributes).toEqual({
      'db.system.name': 'postgresql',
      'db.namespace': 'app',
      'db.operation.name': 'SELECT',
      'db.query.text': 'SELECT * FROM orders WHERE status = $1',
      'rc.tenant.id': 'r0',
      'db.response.returned_rows': 1,
    })
    expect(byName(sdk.spans(), 'tenant-db withTenant').attributes).toEqual({
      'db.system.name': 'postgresql',
      'db.namespace': 'app',
      'rc.tenant.id': 'r0',
      'rc.tenant.role': 'app',
    })
  })

  it('queryText: false leaves the SQL out', async () => {
    rc = instrumentRc({ queryText: false })
    await tenantQuery('SELECT 1')
    expect(byName(sdk.spans(), 'SELECT app').attributes['db.query.text']).toBeUndefined()
  })

  it('poster-client: a call with HTTP client spans per attempt, resend count, status and limiter wait', async () => {
    rc = instrumentRc()
    const url = 'https://acme.joinposter.com/api/storage.getIngredients?token=REDACTED'
    const base = { account: 'acme', method: 'storage.getIngredients', httpMethod: 'GET', url }
    const call: Record<string, unknown> = { ...base }
    await traced(rcChannels.posterClient.call, call, async () => {
      for (const [attempt, status] of [
        [1, 429],
        [2, 200],
      ] as const) {
        const limiter: Record<string, unknown> = { account: 'acme', method: base.method }
        await traced(rcChannels.posterClient.limiter, limiter, async () => {
          await tick()
          limiter.waitedMs = 12
        })
        const ctx: Record<string, unknown> = { ...base, attempt }
        await traced(rcChannels.posterClient.attempt, ctx, async () => {
          Object.assign(ctx, {
            status,
            willRetry: status === 429,
            retryAfterMs: status === 429 ? 1000 : undefined,
          })
        })
      }
      Object.assign(call, { status: 200, attempts: 2 })
    })
    const spans = sdk.spans()
    const callSpan = byName(spans, 'poster storage.getIngredients')
    expect(callSpan.attributes).toMatchObject({ 'http.response.status_code': 200, 'rc.poster.attempts': 2 })
    const attempts = spans.filter((s) => s.name === 'GET')
    expect(attempts).toHaveLength(2)
    for (const span of attempts) {
      expect(span.kind).toBe(SpanKind.CLIENT)
      expect(parentOf(span)).toBe(callSpan.spanContext().spanId)
    }
    const [first, second] = attempts
    expect(first?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.full': url,
      'server.address': 'acme.joinposter.com',
      'server.port': 443,
      'http.response.status_code': 429,
      'rc.poster.will_retry': true,
      'rc.poster.retry_after_ms': 1000,
      'error.type': '429',
    })
    expect(first?.attributes['http.request.resend_count']).toBeUndefined()
    expect(first?.status.code).toBe(SpanStatusCode.ERROR)
    expect(second?.attributes).toMatchObject({
      'http.request.resend_count': 1,
      'http.response.status_code': 200,
    })
    expect(second?.status.code).toBe(SpanStatusCode.UNSET)
    const waits = spans.filter((s) => s.name === 'poster limiter')
    expect(waits.map((s) => s.attributes['rc.poster.limiter.waited_ms'])).toEqual([12, 12])
    expect(waits.every((s) => parentOf(s) === callSpan.spanContext().spanId)).toBe(true)
  })

  it('poster-client: a URL that still carries a token is redacted anyway', async () => {
    rc = instrumentRc()
    const url = 'http://127.0.0.1:9/api/menu.getProducts?format=json&token=123:abcdef&x=1'
    const ctx = { account: 'a', method: 'menu.getProducts', httpMethod: 'GET', url, attempt: 1, status: 200 }
    await traced(rcChannels.posterClient.attempt, ctx, async () => {})
    const span = byName(sdk.spans(), 'GET')
    expect(span.attributes['url.full']).toBe(
      'http://127.0.0.1:9/api/menu.getProducts?format=json&token=REDACTED&x=1',
    )
    expect(span.attributes['server.port']).toBe(9)
  })

  it('poster-client: a failed attempt published as an error keeps its message, with the status as error.type', async () => {
    rc = instrumentRc()
    const url = 'http://127.0.0.1:9/api/storage.getSuppliers?token=REDACTED'
    const ctx: Record<string, unknown> = {
      account: 'a',
      method: 'storage.getSuppliers',
      httpMethod: 'GET',
      url,
      attempt: 1,
    }
    const failure = Object.assign(new Error('[@rc/poster-client] Poster answered 429'), {
      code: 'POSTER_RATE_LIMITED',
    })
    await expect(
      traced(rcChannels.posterClient.attempt, ctx, async () => {
        Object.assign(ctx, { status: 429, willRetry: true })
        throw failure
      }),
    ).rejects.toBe(failure)
    const span = byName(sdk.spans(), 'GET')
    expect(span.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: '[@rc/poster-client] Poster answered 429',
    })
    expect(span.attributes).toMatchObject({ 'error.type': '429', 'rc.poster.will_retry': true })
    expect(span.events.map((e) => e.name)).toEqual(['exception'])
  })

  it('rate-tiers: the decision, a denial without error status', async () => {
    rc = instrumentRc()
    const ctx: Record<string, unknown> = {
      tier: 'free',
      operation: 'api',
      key: 'r0',
      algorithm: 'sliding-log',
      cost: 1,
      charge: true,
    }
    await traced(rcChannels.rateTiers.decide, ctx, async () => {
      Object.assign(ctx, { allowed: false, limit: 20, remaining: 0, resetMs: 4000, store: 'redis' })
    })
    const span = byName(sdk.spans(), 'rate-tiers decide')
    expect(span.attributes).toEqual({
      'rc.rate.tier': 'free',
      'rc.rate.operation': 'api',
      'rc.rate.key': 'r0',
      'rc.rate.algorithm': 'sliding-log',
      'rc.rate.cost': 1,
      'rc.rate.charge': true,
      'rc.rate.allowed': false,
      'rc.rate.limit': 20,
      'rc.rate.remaining': 0,
      'rc.rate.reset_ms': 4000,
      'rc.rate.store': 'redis',
      'db.system.name': 'redis',
    })
    expect(span.status.code).toBe(SpanStatusCode.UNSET)
  })

  it('records a rejection: status ERROR, an exception event, error.type from the code', async () => {
    rc = instrumentRc()
    const failure = Object.assign(new Error('[@rc/cache] loader timed out'), { code: 'CACHE_TIMEOUT' })
    const ctx = { namespace: '', key: 'k', store: 'memory' }
    await expect(
      traced(rcChannels.cache.getOrSet, ctx, async () => {
        await tick()
        throw failure
      }),
    ).rejects.toBe(failure)
    const span = byName(sdk.spans(), 'cache getOrSet')
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: '[@rc/cache] loader timed out' })
    expect(span.attributes['error.type']).toBe('CACHE_TIMEOUT')
    expect(span.events.map((e) => e.name)).toEqual(['exception'])
    expect(span.events[0]?.attributes?.['exception.message']).toBe('[@rc/cache] loader timed out')
  })

  it('ends the span of a synchronous throw too', async () => {
    rc = instrumentRc()
    const channel = tracingChannel(rcChannels.rateTiers.decide)
    expect(() =>
      channel.tracePromise(
        () => {
          throw new TypeError('bad input')
        },
        { tier: 'free', operation: 'api', key: 'r0' },
      ),
    ).toThrow('bad input')
    const span = byName(sdk.spans(), 'rate-tiers decide')
    expect(span.status.code).toBe(SpanStatusCode.ERROR)
    expect(span.attributes['error.type']).toBe('TypeError')
  })

  it('a context it cannot read costs the span, never the operation', async () => {
    rc = instrumentRc()
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown) => uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    try {
      // url is not a string: building the attributes throws inside the subscriber.
      const ctx = { account: 'a', method: 'm', httpMethod: 'GET', url: 42, attempt: 1 }
      await expect(traced(rcChannels.posterClient.attempt, ctx, async () => 'ok')).resolves.toBe('ok')
      await tick()
      expect(uncaught).toEqual([])
    } finally {
      process.off('uncaughtException', onUncaught)
    }
  })

  it('disable() unsubscribes: no span, and the packages see no subscriber', async () => {
    rc = instrumentRc()
    const channel = tracingChannel(rcChannels.cache.get)
    expect(channel.hasSubscribers).toBe(true)
    rc.disable()
    rc.disable()
    expect(channel.hasSubscribers).toBe(false)
    expect(tracingChannel(rcChannels.tenantDb.query).hasSubscribers).toBe(false)
    await traced(rcChannels.cache.get, { namespace: '', key: 'k', store: 'memory' }, async () => 1)
    expect(sdk.spans()).toEqual([])
  })

  it('packages: only the chosen packages are observed', async () => {
    rc = instrumentRc({ packages: { cache: false, posterClient: false } })
    expect(tracingChannel(rcChannels.cache.get).hasSubscribers).toBe(false)
    expect(tracingChannel(rcChannels.posterClient.call).hasSubscribers).toBe(false)
    expect(tracingChannel(rcChannels.rateTiers.decide).hasSubscribers).toBe(true)
    expect(tracingChannel(rcChannels.tenantDb.withTenant).hasSubscribers).toBe(true)
  })

  it("follows its parent's sampling: inside an unsampled trace no span is made and the context is not read", async () => {
    rc = instrumentRc()
    const unsampled = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
    })
    let reads = 0
    const ctx = {
      get namespace() {
        reads++
        return 'tenant:r0'
      },
      key: 'k',
      store: 'memory',
    }
    const value = await context.with(trace.setSpan(context.active(), unsampled), () =>
      traced(rcChannels.cache.getOrSet, ctx, async () =>
        traced(rcChannels.cache.load, { namespace: 'tenant:r0', key: 'k' }, async () => 42),
      ),
    )
    expect(value).toBe(42)
    expect(sdk.spans()).toEqual([])
    expect(reads).toBe(0)
  })

  it('a second call replaces the first (no duplicate spans)', async () => {
    const first = instrumentRc()
    rc = instrumentRc()
    await traced(rcChannels.cache.get, { namespace: '', key: 'k', store: 'memory' }, async () => 1)
    expect(sdk.spans()).toHaveLength(1)
    first.disable() // already replaced: leaves the second in place
    await traced(rcChannels.cache.get, { namespace: '', key: 'k', store: 'memory' }, async () => 1)
    expect(sdk.spans()).toHaveLength(2)
  })

  it('tracerProvider: spans go to the provider given', async () => {
    const other = startSdk({ contextManager: false })
    try {
      // startSdk made `other` the global provider; hand the first one explicitly.
      rc = instrumentRc({ tracerProvider: sdk.provider })
      await traced(rcChannels.cache.get, { namespace: '', key: 'k', store: 'memory' }, async () => 1)
      expect(sdk.spans()).toHaveLength(1)
      expect(other.spans()).toHaveLength(0)
    } finally {
      await other.provider.shutdown()
    }
  })
})
