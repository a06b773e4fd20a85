import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditTenancy } from '../src/audit'
import { createTenantDb, TenantNestingError } from '../src/index'
import { applyTenantRls, runMigrations } from '../src/migrate'
import { type PglitePool, pglitePool } from '../src/pglite'

let lite: PGlite
let admin: PglitePool
let app: PglitePool
let dir: string

beforeAll(async () => {
  lite = await PGlite.create()
  dir = mkdtempSync(join(tmpdir(), 'rc-pglite-'))
  writeFileSync(
    join(dir, '001_init.sql'),
    `CREATE TABLE suppliers (restaurant_id bigint NOT NULL, poster_id int NOT NULL, name text,
       PRIMARY KEY (restaurant_id, poster_id));
     CREATE ROLE tenant_app NOLOGIN NOSUPERUSER NOBYPASSRLS;`,
  )
  // PGlite's only user is a superuser, and superusers bypass RLS: the app
  // pool switches to a plain role on every checkout.
  admin = pglitePool(lite)
  app = pglitePool(lite, { role: 'tenant_app' })
})

afterAll(async () => {
  await lite?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('on PGlite through pglitePool', () => {
  it('runs migrations and applies RLS', async () => {
    expect(await runMigrations(admin, { dir })).toEqual({ applied: ['001_init.sql'], skipped: [] })
    expect(await runMigrations(admin, { dir })).toEqual({ applied: [], skipped: ['001_init.sql'] })
    const applied = await applyTenantRls(admin, {
      tables: ['suppliers'],
      column: 'restaurant_id',
      role: 'tenant_app',
    })
    expect(applied[0]!.columnType).toBe('bigint')
  })

  it('keeps tenants apart, also when their transactions are started together', async () => {
    const db = createTenantDb({ pool: app })
    await Promise.all(
      ['1', '2', '3'].map((id) =>
        db.withTenant(id, async (tx) => {
          await tx.query('INSERT INTO suppliers VALUES ($1, 10, $2)', [id, `supplier of ${id}`])
          await tx.query('INSERT INTO suppliers VALUES ($1, 11, $2)', [id, `second of ${id}`])
        }),
      ),
    )
    for (const id of ['1', '2', '3']) {
      const { rows } = await db.query<{ restaurant_id: unknown; name: string }>(
        id,
        'SELECT restaurant_id, name FROM suppliers ORDER BY poster_id',
      )
      expect(rows.map((r) => [String(r.restaurant_id), r.name])).toEqual([
        [id, `supplier of ${id}`],
        [id, `second of ${id}`],
      ])
    }
    const all = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM suppliers')
    expect(all.rows[0]!.n).toBe(6)
  })

  it('fails closed with no tenant, and a finished withTenant leaves none behind', async () => {
    const db = createTenantDb({ pool: app })
    await db.query('1', 'SELECT 1')
    const idle = await app.query<{ t: string; u: string }>(
      "SELECT current_setting('app.current_tenant', true) AS t, current_user AS u",
    )
    expect(idle.rows[0]).toEqual({ t: '', u: 'tenant_app' })
    expect((await app.query('SELECT * FROM suppliers')).rows).toEqual([])
    await expect(app.query("INSERT INTO suppliers VALUES (1, 99, 'x')")).rejects.toThrow(/row-level security/)
    await expect(db.withTenant('1', () => db.withTenant('2', async () => 1))).rejects.toBeInstanceOf(
      TenantNestingError,
    )
  })

  it('the audit runs on PGlite and finds nothing to fix', async () => {
    const { findings, tables } = await auditTenancy(admin, { column: 'restaurant_id', role: 'tenant_app' })
    expect(tables).toEqual(['public.suppliers'])
    expect(findings).toEqual([])
  })
})
