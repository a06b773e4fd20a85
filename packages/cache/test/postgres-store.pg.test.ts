import { createTestDatabase, type TestDatabase } from '@rc/test-services'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../src/index'
import { postgresStore } from '../src/postgres'
import { describeCache, describeCacheStore } from '../src/testing'

let db: TestDatabase
let pool: pg.Pool
beforeAll(async () => {
  db = await createTestDatabase('cache_pg')
  pool = new pg.Pool({ connectionString: db.url, max: 10 })
})
afterAll(async () => {
  await pool?.end()
  await db?.drop()
})

describeCacheStore({ name: 'postgres', create: () => postgresStore({ pool }) })
describeCache({ name: 'postgres', create: () => postgresStore({ pool, table: 'rc_cache_core' }) })

describe('postgresStore', () => {
  it('keeps entries in an UNLOGGED table with an expiry index', async () => {
    const store = postgresStore({ pool, table: 'shape_check' })
    await store.set('k', 'v', 1000)
    const { rows } = await pool.query(
      `SELECT relname, relpersistence FROM pg_class WHERE relname IN ('shape_check', 'shape_check_tags', 'shape_check_locks')`,
    )
    expect(rows.map((r) => r.relpersistence)).toEqual(['u', 'u', 'u'])
    const { rows: indexes } = await pool.query(
      `SELECT indexdef FROM pg_indexes WHERE tablename = 'shape_check'`,
    )
    expect(indexes.some((i) => /\(expires_at\)/.test(i.indexdef))).toBe(true)
    await store.close?.()
  })

  it('removes expired rows on its own', async () => {
    const store = postgresStore({ pool, table: 'sweep_check', cleanupInterval: 50 })
    const cache = createCache({ store, prefix: 'sweep', storeTimeout: '5s' })
    for (let i = 0; i < 20; i++) await cache.set(`k${i}`, i, { ttl: 20 })
    await cache.set('keep', 'yes', { ttl: '1h' })
    await new Promise((r) => setTimeout(r, 400))
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM sweep_check')
    expect(rows[0].n).toBe(1)
    await cache.close()
  })

  it('creates its tables safely when many instances start at once', async () => {
    const stores = Array.from({ length: 6 }, () => postgresStore({ pool, table: 'race_check' }))
    await Promise.all(stores.map((s, i) => s.set(`k${i}`, 'v', undefined)))
    expect(await stores[0]!.get('k5')).toBe('v')
    await Promise.all(stores.map((s) => s.close?.()))
  })

  it('lists keys with an index scan over the key range, not a table scan', async () => {
    const store = postgresStore({ pool, table: 'scan_check' })
    const cache = createCache({ store, prefix: 'scan', storeTimeout: '5s' })
    for (let t = 0; t < 20; t++) {
      await cache
        .namespace(`tenant:${t}`)
        .setMany(Array.from({ length: 250 }, (_, i) => ({ key: `restaurant:${i}`, value: i })))
    }
    await pool.query('ANALYZE scan_check')
    const scans = async () => {
      await pool.query('SELECT pg_stat_force_next_flush()')
      const { rows } = await pool.query(
        `SELECT idx_scan::int AS n FROM pg_stat_user_indexes WHERE indexrelname = 'scan_check_key_c'`,
      )
      return rows[0]?.n ?? 0
    }
    const before = await scans()
    const listed: string[] = []
    for await (const key of cache.namespace('tenant:7').keys('restaurant:1*')) listed.push(key)
    expect(listed).toHaveLength(111)
    await expect.poll(scans, { timeout: 5_000 }).toBeGreaterThan(before)
    await cache.close()
  })

  it('rejects unsafe table names', () => {
    expect(() => postgresStore({ pool, table: 'x"; DROP TABLE y; --' })).toThrow(/plain identifier/)
  })
})
