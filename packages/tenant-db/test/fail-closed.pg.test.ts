import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createTenantDb, TenantIdError } from '../src/index'
import { applyTenantRls } from '../src/migrate'
import { countingPool } from './support/counting-pool'
import { createTenantFixture, SUPPLIERS_SQL, type TenantFixture } from './support/database'

let fx: TenantFixture
let pool: pg.Pool

beforeAll(async () => {
  fx = await createTenantFixture('tenant_closed')
  await fx.admin.query(SUPPLIERS_SQL)
  // A bigint tenant column: '' cast to bigint would be an error without NULLIF.
  await fx.admin.query(
    'CREATE TABLE orders (restaurant_id bigint NOT NULL, id int NOT NULL, PRIMARY KEY (restaurant_id, id))',
  )
  await applyTenantRls(fx.admin, { tables: ['suppliers', 'orders'], column: 'restaurant_id', role: fx.role })
  await fx.admin.query(
    "INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ('a', 1, 'x'), ('b', 1, 'y')",
  )
  await fx.admin.query('INSERT INTO orders VALUES (1, 1), (2, 1)')
  pool = new pg.Pool({ connectionString: fx.appUrl, max: 1 })
})

afterAll(async () => {
  await pool?.end()
  await fx?.destroy()
})

describe('fail closed', () => {
  it('with no tenant set, reads see nothing and writes are rejected', async () => {
    expect((await pool.query('SELECT * FROM suppliers')).rows).toEqual([])
    await expect(
      pool.query("INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ('a', 2, 'z')"),
    ).rejects.toMatchObject({ code: '42501' })
    expect((await pool.query("UPDATE suppliers SET name = 'hacked'")).rowCount).toBe(0)
    expect((await pool.query('DELETE FROM suppliers')).rowCount).toBe(0)
    const { rows } = await fx.admin.query('SELECT count(*)::int AS n FROM suppliers')
    expect(rows[0].n).toBe(2)
  })

  it("a connection that once had a tenant ('' afterwards) sees zero rows, not a cast error", async () => {
    const db = createTenantDb({ pool })
    const mine = await db.query('1', 'SELECT id FROM orders')
    expect(mine.rows).toEqual([{ id: 1 }])
    const idle = await pool.query("SELECT current_setting('app.current_tenant', true) AS t")
    expect(idle.rows[0].t).toBe('')
    expect((await pool.query('SELECT * FROM orders')).rows).toEqual([])
    await expect(pool.query('INSERT INTO orders VALUES (1, 2)')).rejects.toMatchObject({ code: '42501' })
  })

  it('rejects hostile tenant ids before anything reaches the server', async () => {
    const counted = countingPool(pool)
    const db = createTenantDb({ pool: counted })
    const hostile = [
      "1'; DROP TABLE suppliers; --",
      "a' OR '1'='1",
      'a\\',
      'a b',
      '',
      'x'.repeat(65),
      'ресторан',
      'a;b',
      '$$',
    ]
    for (const id of hostile) {
      await expect(db.query(id, 'SELECT 1')).rejects.toBeInstanceOf(TenantIdError)
    }
    await expect(db.withTenant(42 as unknown as string, async () => 1)).rejects.toMatchObject({
      code: 'TENANT_ID_INVALID',
    })
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ unit: 'binary', minLength: 0, maxLength: 80 })
          .filter((s) => !/^[A-Za-z0-9_-]{1,64}$/.test(s)),
        async (id) => {
          await expect(db.withTenant(id, async () => 1)).rejects.toMatchObject({ code: 'TENANT_ID_INVALID' })
        },
      ),
      { numRuns: 300 },
    )
    expect(counted.connects).toBe(0)
    expect(counted.queries).toEqual([])
  })

  it('sends any id a wider schema admits as an exact, escaped literal', async () => {
    const db = createTenantDb({ pool, tenantId: z.string().min(1).max(200) })
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).filter((s) => !s.includes('\0')),
        async (id) => {
          const { rows } = await db.query<{ t: string }>(
            id,
            "SELECT current_setting('app.current_tenant') AS t",
          )
          expect(rows[0]!.t).toBe(id)
        },
      ),
      { numRuns: 300 },
    )
    const { rows } = await fx.admin.query('SELECT count(*)::int AS n FROM suppliers')
    expect(rows[0].n).toBe(2)
  })
})
