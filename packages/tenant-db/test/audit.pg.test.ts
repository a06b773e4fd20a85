import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditTenancy, createBaseline, type Finding, hasErrors, parseBaseline } from '../src/audit'
import { createTenantDb } from '../src/index'
import { applyTenantRls } from '../src/migrate'
import { createTenantFixture, type TenantFixture } from './support/database'

let fx: TenantFixture
let broken: TenantFixture

beforeAll(async () => {
  fx = await createTenantFixture('tenant_audit')
  broken = await createTenantFixture('tenant_audit_app')
  // The original app's schema: unique on the Poster id alone, RLS enabled but
  // not forced, a policy with no WITH CHECK, and the app role owning its tables.
  await broken.admin.query(`
    CREATE TABLE suppliers (
      id serial PRIMARY KEY,
      restaurant_id bigint NOT NULL,
      poster_id integer NOT NULL UNIQUE,
      name text NOT NULL
    );
    CREATE INDEX suppliers_restaurant_idx ON suppliers (restaurant_id);
    ALTER TABLE suppliers ENABLE ROW LEVEL SECURITY;
    CREATE POLICY by_restaurant ON suppliers USING (restaurant_id = current_setting('app.current_tenant')::bigint);
    ALTER TABLE suppliers OWNER TO ${broken.role};
  `)
})

afterAll(async () => {
  await broken?.destroy()
  await fx?.destroy()
})

const keys = (findings: Finding[]) => findings.map((f) => f.key)

describe("auditTenancy on the original app's schema", () => {
  it('reports each mistake, with a severity, a stable key and a SQL fix', async () => {
    const { findings, tables } = await auditTenancy(broken.admin, {
      column: 'restaurant_id',
      role: broken.role,
    })
    expect(tables).toEqual(['public.suppliers'])
    expect(keys(findings)).toEqual([
      'POLICY_WITHOUT_WITH_CHECK:public.suppliers.by_restaurant',
      'RLS_NOT_FORCED:public.suppliers',
      'ROLE_OWNS_TENANT_TABLE:public.suppliers',
      'UNIQUE_WITHOUT_TENANT:public.suppliers.suppliers_pkey',
      'UNIQUE_WITHOUT_TENANT:public.suppliers.suppliers_poster_id_key',
    ])
    for (const f of findings) {
      expect(f.message).toContain('public.suppliers')
      expect(f.fix.length).toBeGreaterThan(10)
    }
    expect(
      findings.find((f) => f.code === 'UNIQUE_WITHOUT_TENANT' && f.object.endsWith('poster_id_key')),
    ).toMatchObject({
      severity: 'error',
      fix: 'ALTER TABLE "public"."suppliers" DROP CONSTRAINT "suppliers_poster_id_key", ADD CONSTRAINT "suppliers_poster_id_key" UNIQUE ("restaurant_id", "poster_id");',
    })
    expect(hasErrors(findings)).toBe(true)
  })

  it('the bug is real before the fix: the app role bypasses RLS as owner (and the start guard refuses it)', async () => {
    await broken.admin.query("INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES (1, 10, 'Metro')")
    const app = new pg.Pool({ connectionString: broken.appUrl, max: 1 })
    try {
      await expect(createTenantDb({ pool: app }).query('2', 'SELECT * FROM suppliers')).rejects.toMatchObject(
        {
          code: 'TENANT_DB_PRIVILEGED_ROLE',
          reasons: ['owns the tenant tables public.suppliers'],
        },
      )
      // With the guard switched off on purpose, the leak the guard exists for.
      const db = createTenantDb({ pool: app, allowPrivilegedRole: true })
      expect((await db.query('2', 'SELECT * FROM suppliers')).rows).toHaveLength(1)
    } finally {
      await app.end()
    }
  })

  it('after applying its fixes, reports nothing, and tenants are isolated', async () => {
    const before = await auditTenancy(broken.admin, { column: 'restaurant_id', role: broken.role })
    for (const f of before.findings) await broken.admin.query(f.fix)
    const after = await auditTenancy(broken.admin, { column: 'restaurant_id', role: broken.role })
    expect(after.findings).toEqual([])
    const app = new pg.Pool({ connectionString: broken.appUrl, max: 1 })
    try {
      const db = createTenantDb({ pool: app })
      expect((await db.query('2', 'SELECT * FROM suppliers')).rows).toEqual([])
      // Same Poster id in another restaurant now coexists instead of overwriting.
      await db.query('2', "INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES (2, 10, 'Other')")
      expect((await db.query('1', 'SELECT name FROM suppliers')).rows).toEqual([{ name: 'Metro' }])
    } finally {
      await app.end()
    }
  })
})

describe('auditTenancy, every other check', () => {
  beforeAll(async () => {
    await fx.admin.query(`
      CREATE TABLE vendors (restaurant_id text NOT NULL, id int NOT NULL UNIQUE, PRIMARY KEY (restaurant_id, id));
      CREATE TABLE orders (
        restaurant_id text, id int NOT NULL, vendor int NOT NULL,
        PRIMARY KEY (restaurant_id, id),
        CONSTRAINT orders_vendor_fkey FOREIGN KEY (vendor) REFERENCES vendors (id)
      );
      CREATE TABLE notes (restaurant_id text NOT NULL, body text);
      CREATE VIEW open_orders AS SELECT * FROM orders;
      CREATE MATERIALIZED VIEW order_counts AS SELECT restaurant_id, count(*) FROM orders GROUP BY 1;
      CREATE FUNCTION purge_orders() RETURNS void LANGUAGE sql SECURITY DEFINER AS 'DELETE FROM orders';
      CREATE FUNCTION harmless() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
    `)
    await applyTenantRls(fx.admin, {
      tables: ['vendors', 'orders', 'notes'],
      column: 'restaurant_id',
      role: fx.role,
    })
    await fx.admin.query(
      `CREATE POLICY open_all ON notes USING (true); GRANT SELECT ON order_counts TO ${fx.role}`,
    )
  })

  it('finds nullable tenant columns, foreign keys, views, functions, open policies and missing indexes', async () => {
    const { findings } = await auditTenancy(fx.admin, { column: 'restaurant_id', role: fx.role })
    expect(keys(findings)).toEqual([
      'FOREIGN_KEY_WITHOUT_TENANT:public.orders.orders_vendor_fkey',
      'MATERIALIZED_VIEW_ON_TENANT_TABLE:public.order_counts',
      'NO_TENANT_INDEX:public.notes',
      'POLICY_NOT_TENANT_SCOPED:public.notes.open_all',
      'POLICY_WITHOUT_WITH_CHECK:public.notes.open_all',
      'SECURITY_DEFINER_FUNCTION:public.purge_orders()',
      'UNIQUE_WITHOUT_TENANT:public.vendors.vendors_id_key',
      'VIEW_NOT_SECURITY_INVOKER:public.open_orders',
    ])
    expect(findings.find((f) => f.code === 'NO_TENANT_INDEX')?.severity).toBe('warning')
  })

  it('each fix clears its finding (in key order: foreign keys before the keys they reference)', async () => {
    const { findings } = await auditTenancy(fx.admin, { column: 'restaurant_id', role: fx.role })
    for (const f of findings) {
      if (f.code !== 'POLICY_WITHOUT_WITH_CHECK') await fx.admin.query(f.fix)
    }
    expect((await auditTenancy(fx.admin, { column: 'restaurant_id', role: fx.role })).findings).toEqual([])
  })

  it('reports a nullable tenant column', async () => {
    await fx.admin.query('CREATE TABLE drafts (restaurant_id text, body text)')
    await applyTenantRls(fx.admin, { tables: ['drafts'], column: 'restaurant_id', role: fx.role })
    await fx.admin.query('CREATE INDEX ON drafts (restaurant_id)')
    const { findings } = await auditTenancy(fx.admin, { column: 'restaurant_id', role: fx.role })
    expect(keys(findings)).toEqual(['TENANT_COLUMN_NULLABLE:public.drafts'])
    await fx.admin.query(findings[0]!.fix)
    expect((await auditTenancy(fx.admin, { column: 'restaurant_id', role: fx.role })).findings).toEqual([])
  })

  it('flags an app role that is superuser, BYPASSRLS, inherits a table owner, or does not exist', async () => {
    const boss = await fx.createRole('rc_boss', 'LOGIN SUPERUSER')
    const bypass = await fx.createRole('rc_bypass', 'LOGIN BYPASSRLS')
    const member = await fx.createRole('rc_member', 'LOGIN')
    const owner = await fx.createRole('rc_owner', 'NOLOGIN')
    await fx.admin.query(`ALTER TABLE notes OWNER TO ${owner}; GRANT ${owner} TO ${member}`)
    const codes = async (role: string) =>
      (await auditTenancy(fx.admin, { column: 'restaurant_id', role })).findings
        .filter((f) => f.code.startsWith('ROLE_'))
        .map((f) => f.key)
    expect(await codes(boss)).toEqual([`ROLE_SUPERUSER:${boss}`])
    expect(await codes(bypass)).toEqual([`ROLE_BYPASSRLS:${bypass}`])
    const inherited = await auditTenancy(fx.admin, { column: 'restaurant_id', role: member })
    expect(inherited.findings.map((f) => [f.key, f.fix])).toEqual([
      ['ROLE_OWNS_TENANT_TABLE:public.notes', `REVOKE "${owner}" FROM "${member}";`],
    ])
    expect(await codes('rc_nobody_at_all')).toEqual(['ROLE_MISSING:rc_nobody_at_all'])
    await fx.admin.query(`ALTER TABLE notes OWNER TO postgres`)
  })

  it('warns when no table has the tenant column', async () => {
    const { findings } = await auditTenancy(fx.admin, { column: 'tenant_uuid', role: fx.role })
    expect(keys(findings)).toEqual(['NO_TENANT_TABLES:public'])
    expect(hasErrors(findings)).toBe(false)
  })
})

describe('audit baselines', () => {
  it('an adopted database fails only on findings not in its baseline', async () => {
    await fx.admin.query('CREATE TABLE legacy (restaurant_id text NOT NULL)')
    const first = await auditTenancy(fx.admin, { column: 'restaurant_id', role: fx.role })
    expect(hasErrors(first.findings)).toBe(true)
    const baseline = parseBaseline(JSON.parse(JSON.stringify(createBaseline(first.findings))))
    const adopted = await auditTenancy(fx.admin, { column: 'restaurant_id', role: fx.role, baseline })
    expect(adopted.findings).toEqual([])
    expect(keys(adopted.suppressed)).toEqual(keys(first.findings))

    await fx.admin.query('CREATE TABLE newer (restaurant_id text NOT NULL, code text UNIQUE)')
    const later = await auditTenancy(fx.admin, { column: 'restaurant_id', role: fx.role, baseline })
    expect(later.findings.every((f) => f.object.startsWith('public.newer'))).toBe(true)
    expect(hasErrors(later.findings)).toBe(true)
  })

  it('rejects a malformed baseline with a clear error', () => {
    expect(() => parseBaseline({ version: 2, findings: [] })).toThrow(
      expect.objectContaining({ code: 'TENANT_DB_INVALID_ARGUMENT' }),
    )
    expect(() => parseBaseline({ version: 1, findings: [1] })).toThrow(/findings/)
  })
})

describe('auditTenancy on unusual table names', () => {
  it('reports and fixes a table whose quoted name is not a plain identifier', async () => {
    const odd = await createTenantFixture('tenant_audit_quoted')
    try {
      await odd.admin.query(`
        CREATE TABLE "Orders (v2)" (restaurant_id bigint NOT NULL, id int, PRIMARY KEY (restaurant_id, id));
        GRANT SELECT ON "Orders (v2)" TO ${odd.role};
      `)
      const { findings } = await auditTenancy(odd.admin, { column: 'restaurant_id', role: odd.role })
      const mine = findings.filter((f) => f.object === 'public.Orders (v2)')
      expect(mine.map((f) => f.code).sort()).toEqual(['NO_POLICY', 'RLS_DISABLED', 'RLS_NOT_FORCED'])
      // The fixes run as they are and leave nothing to report on that table.
      for (const f of [...mine].sort((a, b) => a.key.localeCompare(b.key))) await odd.admin.query(f.fix)
      const after = await auditTenancy(odd.admin, { column: 'restaurant_id', role: odd.role })
      expect(after.findings.filter((f) => f.object.startsWith('public.Orders (v2)'))).toEqual([])
    } finally {
      await odd.destroy()
    }
  })

  it('matches SECURITY DEFINER functions to tables whose names hold regex characters ($)', async () => {
    const odd = await createTenantFixture('tenant_audit_names')
    try {
      await odd.admin.query(`
        CREATE TABLE orders$v2 (restaurant_id bigint NOT NULL, id int, PRIMARY KEY (restaurant_id, id));
        CREATE FUNCTION count_orders() RETURNS bigint LANGUAGE sql SECURITY DEFINER
          AS 'SELECT count(*) FROM orders$v2';
        CREATE FUNCTION harmless() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
      `)
      const { findings } = await auditTenancy(odd.admin, { column: 'restaurant_id', role: odd.role })
      const definer = findings.filter((f) => f.code === 'SECURITY_DEFINER_FUNCTION')
      expect(definer.map((f) => f.object)).toEqual(['public.count_orders()'])
      expect(definer[0]!.message).toContain('public.orders$v2')
    } finally {
      await odd.destroy()
    }
  })
})

describe('auditTenancy: are the policies index-friendly?', () => {
  let fx: TenantFixture
  beforeAll(async () => {
    fx = await createTenantFixture('tenant_audit_plans')
    await fx.admin.query(`
      CREATE TABLE good (restaurant_id bigint NOT NULL, id int NOT NULL, PRIMARY KEY (restaurant_id, id));
      CREATE TABLE cast_col (restaurant_id bigint NOT NULL, id int NOT NULL, PRIMARY KEY (restaurant_id, id));
      ALTER TABLE cast_col ENABLE ROW LEVEL SECURITY; ALTER TABLE cast_col FORCE ROW LEVEL SECURITY;
      CREATE POLICY by_text ON cast_col USING (restaurant_id::text = current_setting('app.current_tenant', true))
        WITH CHECK (restaurant_id::text = current_setting('app.current_tenant', true));`)
    await applyTenantRls(fx.admin, { tables: ['good'], column: 'restaurant_id', role: fx.role })
  })
  afterAll(async () => {
    await fx?.destroy()
  })

  it('reports each table with the EXPLAIN that shows it, and flags a cast on the column', async () => {
    const { plans, findings } = await auditTenancy(fx.admin, { column: 'restaurant_id', role: fx.role })
    const good = plans.find((p) => p.table === 'public.good')!
    expect(good).toMatchObject({ indexFriendly: true, settingOncePerStatement: true })
    expect(good.explain).toMatch(/InitPlan/)
    expect(good.explain).toMatch(/Index Cond: \(restaurant_id = /)
    const cast = plans.find((p) => p.table === 'public.cast_col')!
    expect(cast).toMatchObject({ indexFriendly: false, settingOncePerStatement: false })
    expect(cast.explain).toMatch(/Filter: \(\(restaurant_id\)::text = current_setting/)
    expect(findings.map((f) => f.key)).toEqual(
      expect.arrayContaining([
        'POLICY_NOT_INDEX_FRIENDLY:public.cast_col',
        'POLICY_SETTING_PER_ROW:public.cast_col',
      ]),
    )
    expect(findings.some((f) => f.object === 'public.good')).toBe(false)
    // The fix is the policy tenantRlsSql writes; after it, the table plans like `good`.
    for (const f of findings.filter((f) => f.code === 'POLICY_NOT_INDEX_FRIENDLY'))
      await fx.admin.query(f.fix)
    await fx.admin.query('DROP POLICY by_text ON cast_col')
    const after = await auditTenancy(fx.admin, { column: 'restaurant_id', role: fx.role })
    expect(after.plans.find((p) => p.table === 'public.cast_col')).toMatchObject({ indexFriendly: true })
    expect(after.findings).toEqual([])
  })
})
