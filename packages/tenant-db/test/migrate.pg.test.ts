import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTenantDb } from '../src/index'
import { applyTenantRls, runMigrations, tenantRlsSql } from '../src/migrate'
import { createTenantFixture, type TenantFixture } from './support/database'

let fx: TenantFixture
let app: pg.Pool
const dirs: string[] = []

beforeAll(async () => {
  fx = await createTenantFixture('tenant_migrate')
  app = new pg.Pool({ connectionString: fx.appUrl, max: 2 })
})

afterAll(async () => {
  await app?.end()
  await fx?.destroy()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rc-migrations-'))
  dirs.push(dir)
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql)
  return dir
}

async function rlsState(table: string) {
  const policies = await fx.admin.query(
    'SELECT * FROM pg_policies WHERE tablename = $1 ORDER BY policyname',
    [table],
  )
  const flags = await fx.admin.query(
    'SELECT relrowsecurity, relforcerowsecurity, relacl::text FROM pg_class WHERE oid = $1::regclass',
    [table],
  )
  return { policies: policies.rows, flags: flags.rows }
}

describe('applyTenantRls', () => {
  it('is idempotent: a second run leaves policies, RLS flags and grants unchanged', async () => {
    await fx.admin.query('CREATE TABLE checklists (id serial, restaurant_id bigint NOT NULL, title text)')
    await applyTenantRls(fx.admin, { tables: ['checklists'], column: 'restaurant_id', role: fx.role })
    const first = await rlsState('checklists')
    expect(first.flags[0]).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true })
    expect(first.policies).toHaveLength(1)
    expect(first.policies[0]).toMatchObject({
      policyname: 'tenant_isolation',
      cmd: 'ALL',
      permissive: 'PERMISSIVE',
    })
    expect(first.policies[0].qual).toContain('current_setting')
    expect(first.policies[0].with_check).toBe(first.policies[0].qual)
    const applied = await applyTenantRls(fx.admin, {
      tables: ['checklists'],
      column: 'restaurant_id',
      role: fx.role,
    })
    expect(applied[0]!.columnType).toBe('bigint')
    expect(await rlsState('checklists')).toEqual(first)
  })

  it('tenantRlsSql output runs as is: the cast type comes from the catalog', async () => {
    await fx.admin.query('CREATE TABLE invoices (restaurant_id bigint NOT NULL, total numeric)')
    await fx.admin.query(tenantRlsSql({ table: 'invoices', column: 'restaurant_id', role: fx.role }))
    const { rows } = await fx.admin.query(
      "SELECT qual, with_check FROM pg_policies WHERE tablename = 'invoices'",
    )
    expect(rows[0].qual).toMatch(/::bigint/)
    expect(rows[0].with_check).toBe(rows[0].qual)
    await fx.admin.query('INSERT INTO invoices VALUES (3, 10), (4, 20)')
    const db = createTenantDb({ pool: app })
    expect((await db.query('4', 'SELECT total FROM invoices')).rows).toEqual([{ total: '20' }])
    await expect(
      fx.admin.query(tenantRlsSql({ table: 'invoices', column: 'tenant', role: fx.role })),
    ).rejects.toThrow('table public.invoices has no column tenant')
  })

  it('grants the sequences the table owns, so the app role can insert into serial tables', async () => {
    const db = createTenantDb({ pool: app })
    const { rows } = await db.query<{ id: number }>(
      '7',
      "INSERT INTO checklists (restaurant_id, title) VALUES (7, 'open') RETURNING id",
    )
    expect(rows[0]!.id).toBeGreaterThan(0)
  })

  it('evaluates the setting once per statement (an InitPlan) and uses the tenant index', async () => {
    await fx.admin.query('CREATE INDEX ON checklists (restaurant_id)')
    await fx.admin.query('ANALYZE checklists')
    const db = createTenantDb({ pool: app })
    const plan = await db.withTenant('7', async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off')
      return tx.query<{ 'QUERY PLAN': string }>('EXPLAIN SELECT * FROM checklists')
    })
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n')
    expect(text).toMatch(/InitPlan/)
    expect(text).toMatch(/Index|Bitmap/)
  })

  it('the Citus form also isolates tenants on plain PostgreSQL', async () => {
    await fx.admin.query('CREATE TABLE stock (restaurant_id text NOT NULL, qty int)')
    await applyTenantRls(fx.admin, { tables: ['stock'], column: 'restaurant_id', role: fx.role, citus: true })
    const { rows } = await fx.admin.query("SELECT qual FROM pg_policies WHERE tablename = 'stock'")
    expect(rows[0].qual).not.toMatch(/SELECT/i)
    await fx.admin.query("INSERT INTO stock VALUES ('a', 1), ('b', 2)")
    const db = createTenantDb({ pool: app })
    expect((await db.query('b', 'SELECT restaurant_id, qty FROM stock')).rows).toEqual([
      { restaurant_id: 'b', qty: 2 },
    ])
    expect((await app.query('SELECT * FROM stock')).rows).toEqual([])
  })

  it('names what is missing: an unknown role, a table without the column', async () => {
    await expect(
      applyTenantRls(fx.admin, { tables: ['stock'], column: 'restaurant_id', role: 'nobody_here_123' }),
    ).rejects.toMatchObject({
      code: 'TENANT_DB_INVALID_ARGUMENT',
      message: expect.stringContaining('nobody_here_123'),
    })
    await expect(
      applyTenantRls(fx.admin, { tables: ['stock'], column: 'tenant', role: fx.role }),
    ).rejects.toMatchObject({
      code: 'TENANT_DB_INVALID_ARGUMENT',
      message: expect.stringContaining('public.stock'),
    })
  })
})

describe('runMigrations', () => {
  it('applies .sql files in name order once, and skips them afterwards', async () => {
    const dir = migrationsDir({
      '002_rows.sql': "INSERT INTO m_order VALUES ('second');",
      '001_table.sql': 'CREATE TABLE m_order (step text);',
      '010_more.sql': "INSERT INTO m_order VALUES ('third');",
      'notes.txt': 'not a migration',
    })
    const first = await runMigrations(fx.admin, { dir, table: 'm_order_migrations' })
    expect(first).toEqual({ applied: ['001_table.sql', '002_rows.sql', '010_more.sql'], skipped: [] })
    const again = await runMigrations(fx.admin, { dir, table: 'm_order_migrations' })
    expect(again).toEqual({ applied: [], skipped: ['001_table.sql', '002_rows.sql', '010_more.sql'] })
    const { rows } = await fx.admin.query('SELECT step FROM m_order')
    expect(rows.map((r) => r.step)).toEqual(['second', 'third'])
  })

  it('refuses an applied file whose content changed', async () => {
    const dir = migrationsDir({ '001.sql': 'CREATE TABLE m_changed (a int);' })
    await runMigrations(fx.admin, { dir, table: 'm_changed_migrations' })
    writeFileSync(join(dir, '001.sql'), 'CREATE TABLE m_changed (a int, b int);')
    await expect(runMigrations(fx.admin, { dir, table: 'm_changed_migrations' })).rejects.toMatchObject({
      code: 'TENANT_DB_MIGRATION_CHANGED',
      file: '001.sql',
    })
  })

  it('rolls back a failing file and keeps the ones before it', async () => {
    const dir = migrationsDir({
      '001.sql': 'CREATE TABLE m_fail_ok (a int);',
      '002.sql': 'CREATE TABLE m_fail_half (a int); SELECT 1 / 0;',
      '003.sql': 'CREATE TABLE m_fail_never (a int);',
    })
    await expect(runMigrations(fx.admin, { dir, table: 'm_fail_migrations' })).rejects.toMatchObject({
      code: 'TENANT_DB_MIGRATION_FAILED',
      file: '002.sql',
    })
    const { rows } = await fx.admin.query(
      "SELECT to_regclass('m_fail_ok') IS NOT NULL AS ok, to_regclass('m_fail_half') IS NOT NULL AS half, to_regclass('m_fail_never') IS NOT NULL AS never",
    )
    expect(rows[0]).toEqual({ ok: true, half: false, never: false })
    const recorded = await fx.admin.query('SELECT name FROM m_fail_migrations')
    expect(recorded.rows).toEqual([{ name: '001.sql' }])
  })

  it('two runners starting together apply each file exactly once', async () => {
    const dir = migrationsDir({
      '001.sql': 'CREATE TABLE m_race (runner int); SELECT pg_sleep(0.2);',
      '002.sql': 'INSERT INTO m_race VALUES (1); SELECT pg_sleep(0.1);',
      '003.sql': 'CREATE TABLE m_race_2 (a int);',
    })
    const a = new pg.Pool({ connectionString: fx.db.url, max: 1 })
    const b = new pg.Pool({ connectionString: fx.db.url, max: 1 })
    try {
      const [ra, rb] = await Promise.all([
        runMigrations(a, { dir, table: 'm_race_migrations' }),
        runMigrations(b, { dir, table: 'm_race_migrations' }),
      ])
      expect([...ra.applied, ...rb.applied].sort()).toEqual(['001.sql', '002.sql', '003.sql'])
      expect([...ra.skipped, ...rb.skipped].sort()).toEqual(['001.sql', '002.sql', '003.sql'])
      const { rows } = await fx.admin.query('SELECT count(*)::int AS n FROM m_race')
      expect(rows[0].n).toBe(1)
    } finally {
      await a.end()
      await b.end()
    }
  })

  it('gives up with MigrationLockError after lockTimeout while another runner holds the lock', async () => {
    const dir = migrationsDir({ '001.sql': 'SELECT 1;' })
    const holder = await fx.admin.connect()
    try {
      await holder.query('SELECT pg_advisory_lock(hashtext($1))', ['@rc/tenant-db:public.m_lock_migrations'])
      const started = Date.now()
      await expect(
        runMigrations(fx.admin, { dir, table: 'm_lock_migrations', lockTimeout: '200ms' }),
      ).rejects.toMatchObject({ code: 'TENANT_DB_MIGRATION_LOCKED' })
      expect(Date.now() - started).toBeLessThan(5_000)
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()')
      holder.release()
    }
    expect(await runMigrations(fx.admin, { dir, table: 'm_lock_migrations' })).toEqual({
      applied: ['001.sql'],
      skipped: [],
    })
  })
})
