import { randomBytes } from 'node:crypto'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { cacheChannels, createCache } from '@rc/cache'
import { redisStore } from '@rc/cache/redis'
import { createPosterClient, posterChannels } from '@rc/poster-client'
import { createFakePoster, type FakePoster } from '@rc/poster-client/testing'
import { createRateTiers, memoryRateStore, rateTiersChannels } from '@rc/rate-tiers'
import { createTenantDb, tenantDbChannels } from '@rc/tenant-db'
import { applyTenantRls } from '@rc/tenant-db/migrate'
import {
  createTestDatabase,
  deleteRedisKeys,
  TEST_PG_URL,
  TEST_REDIS_URL,
  type TestDatabase,
} from '@rc/test-services'
import { Redis } from 'ioredis'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { instrumentRc, type RcInstrumentation, rcChannels } from '../src/index'
import { byName, parentOf, startSdk } from './tracing'

// The real packages publishing on their channels: the bridge's half of the contract, end to end.
let sdk: ReturnType<typeof startSdk>
let rc: RcInstrumentation
let database: TestDatabase
let admin: pg.Pool
let pool: pg.Pool
let redis: Redis
let fake: FakePoster
const role = `otel_app_${randomBytes(4).toString('hex')}`
const prefix = `otel-${randomBytes(4).toString('hex')}`

beforeAll(async () => {
  database = await createTestDatabase('otel_bridge')
  admin = new pg.Pool({ connectionString: database.url, max: 2 })
  await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS`)
  await admin.query('CREATE TABLE items (restaurant_id text NOT NULL, name text NOT NULL)')
  await applyTenantRls(admin, { tables: ['items'], column: 'restaurant_id', role })
  await admin.query(`INSERT INTO items VALUES ('r1', 'flour'), ('r1', 'salt'), ('r2', 'other')`)
  const url = new URL(database.url)
  url.username = role
  pool = new pg.Pool({ connectionString: url.toString(), max: 2 })
  redis = new Redis(TEST_REDIS_URL)
  fake = await createFakePoster({ accounts: 1 })
  sdk = startSdk()
  rc = instrumentRc()
})
afterAll(async () => {
  rc?.disable()
  await sdk?.stop()
  await fake?.close()
  redis?.disconnect()
  await pool?.end()
  await admin?.query(`DROP OWNED BY ${role}`)
  await admin?.end()
  await database?.drop()
  const root = new pg.Client({ connectionString: TEST_PG_URL })
  await root.connect()
  await root.query(`DROP ROLE IF EXISTS ${role}`)
  await root.end()
  await deleteRedisKeys(`${prefix}*`)
})
afterEach(() => sdk.exporter.reset())

describe('@rc/otel with the real packages', () => {
  it('observes exactly the channels the packages export', () => {
    expect(rcChannels.cache).toEqual(cacheChannels)
    expect(rcChannels.tenantDb).toEqual(tenantDbChannels)
    expect(rcChannels.posterClient).toEqual(posterChannels)
    expect(rcChannels.rateTiers).toEqual(rateTiersChannels)
  })

  it('a Redis cache miss whose loader runs a tenant transaction: one nested tree, no values', async () => {
    const cache = createCache({ store: redisStore({ client: redis }), prefix })
    const db = createTenantDb({ pool })
    const secret = `param-${randomBytes(4).toString('hex')}`
    const load = () =>
      db.withTenant('r1', async (tx) => {
        const { rows } = await tx.query('SELECT name FROM items WHERE name <> $1 ORDER BY name', [secret])
        return rows
      })
    const rows = await cache.namespace('tenant:r1').getOrSet('items', load)
    expect(rows).toEqual([{ name: 'flour' }, { name: 'salt' }])
    await cache.namespace('tenant:r1').getOrSet('items', load)
    await cache.namespace('tenant:r1').invalidateTags(['items'])
    await cache.close()

    const spans = sdk.spans()
    const [miss, hit] = spans.filter((s) => s.name === 'cache getOrSet')
    expect(miss?.attributes).toMatchObject({
      'rc.cache.namespace': 'tenant:r1',
      'rc.cache.key': 'items',
      'rc.cache.store': 'redis',
      'db.system.name': 'redis',
      'rc.cache.outcome': 'miss',
      'rc.cache.loaded': true,
    })
    expect(hit?.attributes).toMatchObject({ 'rc.cache.outcome': 'hit', 'rc.cache.layer': 'store' })
    expect(byName(spans, 'cache invalidateTags').attributes).toMatchObject({
      'rc.cache.namespace': 'tenant:r1',
      'rc.cache.tags': ['items'],
      'db.system.name': 'redis',
    })
    const loadSpan = byName(spans, 'cache load')
    const tx = byName(spans, 'tenant-db withTenant')
    const query = spans.find(
      (s) => s.kind === SpanKind.CLIENT && s.attributes['db.operation.name'] === 'SELECT',
    )
    expect(parentOf(loadSpan)).toBe(miss?.spanContext().spanId)
    expect(parentOf(tx)).toBe(loadSpan.spanContext().spanId)
    expect(parentOf(query!)).toBe(tx.spanContext().spanId)
    expect(query?.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.namespace': database.name,
      'db.query.text': 'SELECT name FROM items WHERE name <> $1 ORDER BY name',
      'rc.tenant.id': 'r1',
      'db.response.returned_rows': 2,
    })
    expect(JSON.stringify(spans.map((s) => [s.attributes, s.events]))).not.toContain(secret)
  })

  it('a failing query: ERROR status and an exception event without the server text', async () => {
    const db = createTenantDb({ pool })
    const secret = `not-a-number-${randomBytes(3).toString('hex')}`
    await expect(db.query('r1', 'SELECT $1::int', [secret])).rejects.toThrow()
    const query = sdk.spans().find((s) => s.attributes['db.operation.name'] === 'SELECT')
    expect(query?.status.code).toBe(SpanStatusCode.ERROR)
    expect(query?.attributes['error.type']).toBe('22P02')
    expect(query?.events.map((e) => e.name)).toEqual(['exception'])
    expect(JSON.stringify(query?.events)).not.toContain(secret)
  })

  it('a Poster call: a 429 then a 200, each an HTTP client span, limiter waits, the token redacted', async () => {
    const { account, token } = fake.accounts[0]!
    const poster = createPosterClient({
      account,
      token,
      baseUrl: fake.url,
      rateLimit: { perSecond: 1000, maxConcurrent: 2 },
      retry: { retries: 3, minDelay: 1, maxDelay: 20 },
    })
    fake.failNext('rate-limit', { account })
    await poster.storage.getSuppliers()
    const spans = sdk.spans()
    const call = byName(spans, 'poster storage.getSuppliers')
    expect(call.attributes).toMatchObject({ 'rc.poster.attempts': 2, 'http.response.status_code': 200 })
    const attempts = spans.filter((s) => s.kind === SpanKind.CLIENT)
    expect(attempts.map((a) => a.attributes['http.response.status_code'])).toEqual([429, 200])
    expect(attempts.map((a) => a.attributes['http.request.resend_count'])).toEqual([undefined, 1])
    expect(attempts.every((a) => parentOf(a) === call.spanContext().spanId)).toBe(true)
    expect(attempts[0]?.attributes['rc.poster.will_retry']).toBe(true)
    expect(attempts[0]?.attributes['server.address']).toBe('127.0.0.1')
    expect(String(attempts[0]?.attributes['url.full'])).toContain('token=REDACTED')
    const waits = spans.filter((s) => s.name === 'poster limiter')
    expect(waits.length).toBeGreaterThanOrEqual(2)
    expect(waits.every((w) => typeof w.attributes['rc.poster.limiter.waited_ms'] === 'number')).toBe(true)
    const everything = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events]))
    expect(everything).not.toContain(token)
    expect(everything).not.toContain(encodeURIComponent(token))
  })

  it('a rate decision: allowed, then denied, with the limit and the store', async () => {
    const tiers = createRateTiers({ store: memoryRateStore(), tiers: { free: { api: '1/1m' } } })
    await tiers.consume({ key: 'r1', tier: 'free', bucket: 'api' })
    await tiers.consume({ key: 'r1', tier: 'free', bucket: 'api' })
    const decisions = sdk.spans().filter((s) => s.name === 'rate-tiers decide')
    expect(decisions.map((d) => d.attributes['rc.rate.allowed'])).toEqual([true, false])
    expect(decisions[1]?.attributes).toMatchObject({
      'rc.rate.tier': 'free',
      'rc.rate.operation': 'api',
      'rc.rate.key': 'r1',
      'rc.rate.limit': 1,
      'rc.rate.remaining': 0,
      'rc.rate.store': 'memory',
    })
    expect(decisions.every((d) => d.status.code === SpanStatusCode.UNSET)).toBe(true)
  })
})
