import { grantsSqlFor } from '../migrate/rls-sql'
import type { PoolClientLike } from '../queryable'
import { quoteIdent } from '../sql'
import { type AuditContext, type Finding, finding, type TenantTable } from './types'

/** Every table (plain or partitioned) in the audited schemas that has the tenant column. */
export async function loadTenantTables(client: PoolClientLike, ctx: AuditContext): Promise<TenantTable[]> {
  const { rows } = await client.query(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name,
            c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced,
            a.attnotnull AS column_not_null, pg_catalog.format_type(a.atttypid, a.atttypmod) AS column_type,
            EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indkey[0] = a.attnum) AS has_tenant_index,
            pg_catalog.pg_get_userbyid(c.relowner) AS owner,
            EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid AND p.polcmd = 'r' AND p.polpermissive
                       AND pg_catalog.strpos(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '(' || pg_catalog.quote_ident($1) || ' IS NULL)') > 0) AS shared_rows,
            COALESCE((SELECT pg_catalog.pg_has_role(r.oid, c.relowner, 'USAGE') AND NOT r.rolsuper
                        FROM pg_catalog.pg_roles r WHERE r.rolname = $3), false) AS owned_by_role
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = $1 AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($2::text[])
      ORDER BY n.nspname, c.relname`,
    [ctx.column, ctx.schemas, ctx.role],
  )
  return (rows as Record<string, unknown>[]).map((r) => {
    const schema = String(r.schema)
    const name = String(r.name)
    return {
      oid: Number(r.oid),
      schema,
      name,
      sql: `${quoteIdent(schema)}.${quoteIdent(name)}`,
      display: `${schema}.${name}`,
      rlsEnabled: r.rls_enabled === true,
      rlsForced: r.rls_forced === true,
      columnNotNull: r.column_not_null === true,
      columnType: String(r.column_type),
      hasTenantIndex: r.has_tenant_index === true,
      ownedByRole: r.owned_by_role === true,
      ownedDirectly: r.owner === ctx.role,
      owner: String(r.owner),
      sharedRows: r.shared_rows === true,
    }
  })
}

/** RLS switches, nullability, the tenant index and ownership: what one catalog row tells. */
export function tableFindings(tables: TenantTable[], ctx: AuditContext): Finding[] {
  const column = quoteIdent(ctx.column)
  const role = quoteIdent(ctx.role)
  const out: Finding[] = []
  for (const t of tables) {
    if (!t.rlsEnabled) {
      out.push(
        finding(
          'RLS_DISABLED',
          'error',
          t.display,
          `${t.display} has ${ctx.column} but row level security is off: every tenant sees every row.`,
          `ALTER TABLE ${t.sql} ENABLE ROW LEVEL SECURITY;`,
        ),
      )
    }
    if (!t.rlsForced) {
      out.push(
        finding(
          'RLS_NOT_FORCED',
          'error',
          t.display,
          `${t.display} does not FORCE row level security: its owner (and anyone who inherits the owner) bypasses the policies.`,
          `ALTER TABLE ${t.sql} FORCE ROW LEVEL SECURITY;`,
        ),
      )
    }
    // Shared rows (tenantRlsSql's sharedRows) are NULL on purpose: readable by all, writable by none.
    if (!t.columnNotNull && !t.sharedRows) {
      out.push(
        finding(
          'TENANT_COLUMN_NULLABLE',
          'error',
          t.display,
          `${t.display}.${ctx.column} is nullable: a row without a tenant belongs to nobody and escapes every tenant filter.`,
          `ALTER TABLE ${t.sql} ALTER COLUMN ${column} SET NOT NULL;`,
        ),
      )
    }
    if (!t.hasTenantIndex) {
      const index = quoteIdent(`${t.name}_${ctx.column}_idx`.slice(0, 63))
      out.push(
        finding(
          'NO_TENANT_INDEX',
          'warning',
          t.display,
          `${t.display} has no index led by ${ctx.column}: every tenant-filtered query scans the whole table.`,
          `CREATE INDEX IF NOT EXISTS ${index} ON ${t.sql} (${column});`,
        ),
      )
    }
    if (t.ownedByRole) {
      const fix = t.ownedDirectly
        ? `ALTER TABLE ${t.sql} OWNER TO ${quoteIdent(ctx.owner)};\n${grantsSqlFor(t, ctx.role)}`
        : `REVOKE ${quoteIdent(t.owner)} FROM ${role};`
      out.push(
        finding(
          'ROLE_OWNS_TENANT_TABLE',
          'error',
          t.display,
          `the app role ${ctx.role} ${t.ownedDirectly ? 'owns' : `inherits the owner ${t.owner} of`} ${t.display}: owners bypass RLS unless it is forced, and can disable it.`,
          fix,
        ),
      )
    }
  }
  return out
}
