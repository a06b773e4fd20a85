import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createTenantDb, TenantDbArgumentError, TenantIdError } from '../src/index'
import { applyTenantRls } from '../src/migrate'
import { countingPool } from './support/counting-pool'
import { createTenantFixture, type TenantFixture } from './support/database'

let fx: TenantFixture
let pool: pg.Pool
const settings = { tenant: 'app.current_tenant', user: 'app.user_id', role: 'app.role' }

beforeAll(async () => {
  fx = await createTenantFixture('tenant_settings')
  await fx.admin.query(`
    CREATE TABLE notes (restaurant_id text NOT NULL, owner_id text NOT NULL, body text NOT NULL);
    CREATE TABLE payroll (restaurant_id text NOT NULL, amount int NOT NULL);
    INSERT INTO notes VALUES ('r1', 'u1', 'mine'), ('r1', 'u2', 'theirs'), ('r2', 'u1', 'other restaurant');
    INSERT INTO payroll VALUES ('r1', 100), ('r2', 200);`)
  await applyTenantRls(fx.admin, {
    tables: ['notes'],
    column: 'restaurant_id',
    role: fx.role,
    match: { owner_id: 'app.user_id' },
  })
  await applyTenantRls(fx.admin, {
    tables: ['payroll'],
    column: 'restaurant_id',
    role: fx.role,
    require: { 'app.role': ['manager', 'owner'] },
  })
  pool = new pg.Pool({ connectionString: fx.appUrl, max: 2 })
})

afterAll(async () => {
  await pool?.end()
  await fx?.destroy()
})

describe('several settings', () => {
  it('sets every value transaction-locally in the BEGIN message', async () => {
    const counted = countingPool(pool)
    const db = createTenantDb({ pool: counted, settings })
    await db.verifyRole()
    counted.reset()
    const seen = await db.withTenant({ tenant: 'r1', user: 'u1', role: 'manager' }, (tx) =>
      tx.query<Record<string, string>>(
        "SELECT current_setting('app.current_tenant') AS t, current_setting('app.user_id') AS u, current_setting('app.role') AS r",
      ),
    )
    expect(seen.rows).toEqual([{ t: 'r1', u: 'u1', r: 'manager' }])
    expect(counted.queries[0]).toBe(
      "BEGIN; SET LOCAL app.current_tenant = 'r1'; SET LOCAL app.user_id = 'u1'; SET LOCAL app.role = 'manager'",
    )
    // Values not given are set to '' in the same message: nothing from an earlier transaction survives.
    counted.reset()
    await db.withTenant('r1', (tx) => tx.query('SELECT 1'))
    expect(counted.queries[0]).toBe(
      "BEGIN; SET LOCAL app.current_tenant = 'r1'; SET LOCAL app.user_id = ''; SET LOCAL app.role = ''",
    )
  })

  it('a policy generated with match keeps each user to their own rows', async () => {
    const db = createTenantDb({ pool, settings })
    const bodies = async (values: { tenant: string; user?: string }) =>
      (await db.query<{ body: string }>(values, 'SELECT body FROM notes ORDER BY body')).rows.map(
        (r) => r.body,
      )
    expect(await bodies({ tenant: 'r1', user: 'u1' })).toEqual(['mine'])
    expect(await bodies({ tenant: 'r1', user: 'u2' })).toEqual(['theirs'])
    expect(await bodies({ tenant: 'r2', user: 'u1' })).toEqual(['other restaurant'])
    expect(await bodies({ tenant: 'r1' })).toEqual([]) // no user: nothing, fail closed
    await expect(
      db.query({ tenant: 'r1', user: 'u1' }, "INSERT INTO notes VALUES ('r1', 'u2', 'forged')"),
    ).rejects.toMatchObject({ code: '42501' })
  })

  it('a policy generated with require lets only the listed roles through', async () => {
    const db = createTenantDb({ pool, settings })
    const total = async (role?: string) =>
      (
        await db.query<{ n: number }>(
          { tenant: 'r1', ...(role ? { role } : {}) },
          'SELECT coalesce(sum(amount), 0)::int AS n FROM payroll',
        )
      ).rows[0]!.n
    expect(await total('manager')).toBe(100)
    expect(await total('owner')).toBe(100)
    expect(await total('cook')).toBe(0)
    expect(await total()).toBe(0)
  })

  it('runAsTenant carries every value; a bare tenant id inside inherits them', async () => {
    const db = createTenantDb({ pool, settings })
    const seen = await db.runAsTenant({ tenant: 'r1', user: 'u2' }, async () => {
      const inner = await db.withTenant('r1', (tx) => tx.query<{ body: string }>('SELECT body FROM notes'))
      return { values: db.currentValues(), bodies: inner.rows.map((r) => r.body) }
    })
    expect(seen).toEqual({ values: { tenant: 'r1', user: 'u2' }, bodies: ['theirs'] })
    await expect(
      db.runAsTenant({ tenant: 'r1', user: 'u2' }, () =>
        db.runAsTenant({ tenant: 'r1', user: 'u1' }, () => 1),
      ),
    ).rejects.toMatchObject({ code: 'TENANT_NESTED' })
  })

  it('validates each value before anything is sent, with a schema per setting', async () => {
    const counted = countingPool(pool)
    const db = createTenantDb({ pool: counted, settings, schemas: { role: z.enum(['manager', 'cook']) } })
    await expect(db.query({ tenant: 'r1', user: "u1'; --" }, 'SELECT 1')).rejects.toMatchObject({
      code: 'TENANT_ID_INVALID',
      key: 'user',
    })
    await expect(db.query({ tenant: 'r1', role: 'admin' }, 'SELECT 1')).rejects.toBeInstanceOf(TenantIdError)
    await expect(
      db.query({ tenant: 'r1', colour: 'x' } as unknown as { tenant: string }, 'SELECT 1'),
    ).rejects.toBeInstanceOf(TenantDbArgumentError)
    expect(counted.connects).toBe(0)
    expect(() => createTenantDb({ pool, settings: { tenant: 'app.t', user: 'app.t' } })).toThrow(
      /same setting/,
    )
  })
})
