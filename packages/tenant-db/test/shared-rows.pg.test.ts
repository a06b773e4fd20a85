import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditTenancy } from '../src/audit'
import { createTenantDb } from '../src/index'
import { applyTenantRls } from '../src/migrate'
import { createTenantFixture, type TenantFixture } from './support/database'

let fx: TenantFixture
let pool: pg.Pool

beforeAll(async () => {
  fx = await createTenantFixture('tenant_shared')
  // Units of measure: a shared catalogue (NULL restaurant) plus each restaurant's own.
  await fx.admin.query(`
    CREATE TABLE units (restaurant_id bigint, code text NOT NULL, UNIQUE NULLS NOT DISTINCT (restaurant_id, code));
    CREATE INDEX units_restaurant_idx ON units (restaurant_id);
    INSERT INTO units VALUES (NULL, 'kg'), (NULL, 'l'), (1, 'crate'), (2, 'tray');`)
  await applyTenantRls(fx.admin, {
    tables: ['units'],
    column: 'restaurant_id',
    role: fx.role,
    sharedRows: true,
  })
  pool = new pg.Pool({ connectionString: fx.appUrl, max: 2 })
})

afterAll(async () => {
  await pool?.end()
  await fx?.destroy()
})

describe('sharedRows', () => {
  it('NULL-tenant rows are readable by every tenant, writable by none', async () => {
    const db = createTenantDb({ pool })
    const codes = async (t: string) =>
      (await db.query<{ code: string }>(t, 'SELECT code FROM units ORDER BY code')).rows.map((r) => r.code)
    expect(await codes('1')).toEqual(['crate', 'kg', 'l'])
    expect(await codes('2')).toEqual(['kg', 'l', 'tray'])
    expect((await db.query('1', "UPDATE units SET code = 'kilo' WHERE code = 'kg'")).rowCount).toBe(0)
    expect((await db.query('1', "DELETE FROM units WHERE code = 'l'")).rowCount).toBe(0)
    await expect(db.query('1', "INSERT INTO units VALUES (NULL, 'box')")).rejects.toMatchObject({
      code: '42501',
    })
    await expect(
      db.query('1', "UPDATE units SET restaurant_id = NULL WHERE code = 'crate'"),
    ).rejects.toMatchObject({
      code: '42501',
    })
    const { rows } = await fx.admin.query('SELECT count(*)::int AS n FROM units WHERE restaurant_id IS NULL')
    expect(rows[0].n).toBe(2)
    // With no tenant, nothing at all: shared rows too stay behind the tenant context.
    expect((await pool.query('SELECT * FROM units')).rows).toEqual([])
  })

  it('the audit accepts the shared policy and the nullable column it needs', async () => {
    const { findings } = await auditTenancy(fx.admin, { column: 'restaurant_id', role: fx.role })
    expect(findings).toEqual([])
  })

  it('applying again without sharedRows drops the shared policy', async () => {
    await applyTenantRls(fx.admin, { tables: ['units'], column: 'restaurant_id', role: fx.role })
    const db = createTenantDb({ pool })
    expect((await db.query('1', 'SELECT code FROM units')).rows).toEqual([{ code: 'crate' }])
    await applyTenantRls(fx.admin, {
      tables: ['units'],
      column: 'restaurant_id',
      role: fx.role,
      sharedRows: true,
    })
  })
})
