import { rlsSqlFor } from '../migrate/rls-sql'
import type { PoolClientLike } from '../queryable'
import { quoteIdent } from '../sql'
import { type AuditContext, type Finding, finding, type TenantTable } from './types'

interface PolicyRow {
  table_oid: number
  name: string
  cmd: string
  permissive: boolean
  qual: string | null
  with_check: string | null
}

/** Policies on tenant tables: missing, without WITH CHECK, or not filtering by tenant at all. */
export async function policyFindings(
  client: PoolClientLike,
  tables: TenantTable[],
  ctx: AuditContext,
): Promise<Finding[]> {
  if (tables.length === 0) return []
  const { rows } = await client.query(
    `SELECT p.polrelid::int AS table_oid, p.polname AS name, p.polcmd AS cmd, p.polpermissive AS permissive,
            pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual,
            pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
       FROM pg_catalog.pg_policy p WHERE p.polrelid = ANY($1::oid[])`,
    [tables.map((t) => t.oid)],
  )
  const policies = rows as PolicyRow[]
  const out: Finding[] = []
  for (const t of tables) {
    const own = policies.filter((p) => Number(p.table_oid) === t.oid)
    const rls = rlsSqlFor(t, {
      column: ctx.column,
      role: ctx.role,
      setting: ctx.setting,
      columnType: t.columnType,
    })
    if (own.length === 0) {
      out.push(
        finding(
          'NO_POLICY',
          'error',
          t.display,
          `${t.display} has no row level security policy: with RLS on nobody sees a row, with it off everybody sees all.`,
          rls,
        ),
      )
    }
    for (const p of own) {
      const object = `${t.display}.${p.name}`
      // ALL and UPDATE fall back to USING when WITH CHECK is absent, so the gap is clarity, not a leak.
      if (p.with_check === null && (p.cmd === '*' || p.cmd === 'w')) {
        out.push(
          finding(
            'POLICY_WITHOUT_WITH_CHECK',
            'warning',
            object,
            `policy ${p.name} on ${t.display} has no WITH CHECK: writes are checked only through its USING clause; state the write rule explicitly.`,
            `ALTER POLICY ${quoteIdent(p.name)} ON ${t.sql} WITH CHECK (${p.qual ?? 'false'});`,
          ),
        )
      }
      // The shared-rows policy: SELECT only, NULL-tenant rows; writes stay under the tenant policy.
      if (
        p.permissive &&
        p.cmd === 'r' &&
        p.qual?.includes(`(${quoteIdent(ctx.column).replace(/^"([a-z_][a-z0-9_]*)"$/, '$1')} IS NULL)`) &&
        p.qual.includes(ctx.setting)
      )
        continue
      const text = `${p.qual ?? ''} ${p.with_check ?? ''}`
      if (p.permissive && !(text.includes(ctx.column) && text.includes(ctx.setting))) {
        out.push(
          finding(
            'POLICY_NOT_TENANT_SCOPED',
            'error',
            object,
            `permissive policy ${p.name} on ${t.display} does not compare ${ctx.column} with ${ctx.setting}; permissive policies are OR-ed, so it opens the table across tenants.`,
            `DROP POLICY ${quoteIdent(p.name)} ON ${t.sql};\n${rls}`,
          ),
        )
      }
    }
  }
  return out
}
