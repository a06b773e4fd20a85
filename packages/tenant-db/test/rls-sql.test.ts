import { describe, expect, it } from 'vitest'
import { tenantPredicate, tenantRlsSql } from '../src/migrate'

describe('tenantRlsSql', () => {
  const sql = tenantRlsSql({ table: 'orders', column: 'restaurant_id', role: 'app', columnType: 'bigint' })

  it('enables and forces RLS, with one policy for every command and grants to the app role', () => {
    expect(sql).toContain('ALTER TABLE "public"."orders" ENABLE ROW LEVEL SECURITY;')
    expect(sql).toContain('ALTER TABLE "public"."orders" FORCE ROW LEVEL SECURITY;')
    expect(sql).toContain('CREATE POLICY %I ON %s AS PERMISSIVE FOR ALL TO PUBLIC USING (%s) WITH CHECK (%s)')
    expect(sql).toContain("type_0 text := 'bigint';")
    expect(sql).toContain('GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."orders" TO "app";')
    expect(sql).toContain('GRANT USAGE ON SCHEMA "public" TO "app";')
  })

  it('reads the column type from the catalog when no columnType is given', () => {
    const dynamic = tenantRlsSql({ table: 'orders', column: 'restaurant_id', role: 'app' })
    expect(dynamic).toContain('pg_catalog.format_type(atttypid, atttypmod)')
    expect(dynamic).toContain("attname = 'restaurant_id'")
  })

  it('reads the setting once per statement through a scalar subquery, NULL when empty', () => {
    expect(tenantPredicate({ column: 'restaurant_id', columnType: 'bigint' })).toBe(
      `"restaurant_id" = (SELECT NULLIF(pg_catalog.current_setting('app.current_tenant', true), ''))::bigint`,
    )
  })

  it('emits the subquery-free form for Citus', () => {
    const citus = tenantRlsSql({ table: 'app.orders', column: 'restaurant_id', role: 'app', citus: true })
    expect(citus).toContain("'%I = NULLIF(pg_catalog.current_setting(%L, true), %L)::%s'")
    expect(citus).not.toMatch(/\(SELECT NULLIF/)
    expect(tenantPredicate({ column: 'restaurant_id', citus: true })).toBe(
      `"restaurant_id" = NULLIF(pg_catalog.current_setting('app.current_tenant', true), '')::text`,
    )
    expect(citus).toContain('"app"."orders"')
  })

  it('rejects names that are not plain identifiers', () => {
    const bad = [
      { table: 'orders; DROP TABLE x', column: 'restaurant_id', role: 'app' },
      { table: 'a.b.c', column: 'restaurant_id', role: 'app' },
      { table: 'orders', column: 'restaurant_id"--', role: 'app' },
      { table: 'orders', column: 'restaurant_id', role: 'app role' },
      { table: 'orders', column: 'restaurant_id', role: 'app', setting: "x'; --" },
      { table: 'orders', column: 'restaurant_id', role: 'app', columnType: 'text); DROP TABLE x; --' },
    ]
    for (const options of bad) {
      expect(() => tenantRlsSql(options)).toThrow(
        expect.objectContaining({ code: 'TENANT_DB_INVALID_ARGUMENT' }),
      )
    }
  })
})
