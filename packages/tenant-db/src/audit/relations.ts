import type { PoolClientLike } from '../queryable'
import { columnList, quoteIdent } from '../sql'
import { type AuditContext, type Finding, finding, type TenantTable } from './types'

/**
 * Foreign keys between two tenant tables that do not pair the tenant columns:
 * foreign key checks bypass RLS, so tenant A's row can point at tenant B's.
 */
export async function foreignKeyFindings(
  client: PoolClientLike,
  tables: TenantTable[],
  ctx: AuditContext,
): Promise<Finding[]> {
  if (tables.length === 0) return []
  const oids = tables.map((t) => t.oid)
  const { rows } = await client.query(
    `SELECT con.conname AS name, con.conrelid::int AS table_oid, con.confrelid::int AS ref_oid,
            (SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord)
               FROM pg_catalog.unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
            (SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord)
               FROM pg_catalog.unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_columns
       FROM pg_catalog.pg_constraint con
      WHERE con.contype = 'f' AND con.conrelid = ANY($1::oid[]) AND con.confrelid = ANY($1::oid[])
        AND NOT EXISTS (
          SELECT 1 FROM unnest(con.conkey, con.confkey) AS k(l, r)
            JOIN pg_catalog.pg_attribute la ON la.attrelid = con.conrelid AND la.attnum = k.l
            JOIN pg_catalog.pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.r
           WHERE la.attname = $2 AND ra.attname = $2)`,
    [oids, ctx.column],
  )
  const byOid = new Map(tables.map((t) => [t.oid, t]))
  const column = quoteIdent(ctx.column)
  return (rows as Record<string, unknown>[]).flatMap((r) => {
    const t = byOid.get(Number(r.table_oid))
    const ref = byOid.get(Number(r.ref_oid))
    if (!t || !ref) return []
    const name = quoteIdent(String(r.name))
    const cols = columnList(r.columns).map(quoteIdent).join(', ')
    const refCols = columnList(r.ref_columns).map(quoteIdent).join(', ')
    return [
      finding(
        'FOREIGN_KEY_WITHOUT_TENANT',
        'error',
        `${t.display}.${r.name}`,
        `foreign key ${r.name} from ${t.display} to ${ref.display} does not include ${ctx.column} on both sides: foreign keys bypass RLS, so a row can reference another tenant's row.`,
        `-- needs a unique key on ${ref.display} (${ctx.column}, ${columnList(r.ref_columns).join(', ')})\nALTER TABLE ${t.sql} DROP CONSTRAINT ${name}, ADD CONSTRAINT ${name} FOREIGN KEY (${column}, ${cols}) REFERENCES ${ref.sql} (${column}, ${refCols});`,
      ),
    ]
  })
}

const INVOKER = new Set([
  'security_invoker=true',
  'security_invoker=on',
  'security_invoker=1',
  'security_invoker=yes',
])

/**
 * Views over tenant tables run with their owner's rights unless
 * `security_invoker` is set, and materialized views store rows with no RLS
 * at all.
 */
export async function viewFindings(
  client: PoolClientLike,
  tables: TenantTable[],
  ctx: AuditContext,
): Promise<Finding[]> {
  if (tables.length === 0) return []
  const { rows } = await client.query(
    `SELECT DISTINCT n.nspname AS schema, v.relname AS name, v.relkind AS kind,
            COALESCE(v.reloptions, '{}')::text[] AS options,
            CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $2)
                 THEN pg_catalog.has_table_privilege($2, v.oid, 'SELECT') ELSE true END AS role_can_read
       FROM pg_catalog.pg_depend d
       JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
       JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
       JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace
      WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
        AND d.refobjid = ANY($1::oid[]) AND v.oid <> d.refobjid AND v.relkind IN ('v', 'm')`,
    [tables.map((t) => t.oid), ctx.role],
  )
  const out: Finding[] = []
  for (const r of rows as {
    schema: string
    name: string
    kind: string
    options: string[] | string
    role_can_read: boolean
  }[]) {
    const display = `${r.schema}.${r.name}`
    const sql = `${quoteIdent(r.schema)}.${quoteIdent(r.name)}`
    if (r.kind === 'm') {
      if (!r.role_can_read) continue
      out.push(
        finding(
          'MATERIALIZED_VIEW_ON_TENANT_TABLE',
          'error',
          display,
          `materialized view ${display} copies tenant rows where no policy applies, and the app role ${ctx.role} can read it.`,
          `REVOKE ALL ON ${sql} FROM ${quoteIdent(ctx.role)};`,
        ),
      )
      continue
    }
    const options = Array.isArray(r.options) ? r.options : parseTextArray(r.options)
    if (!options.some((o) => INVOKER.has(o.toLowerCase()))) {
      out.push(
        finding(
          'VIEW_NOT_SECURITY_INVOKER',
          'error',
          display,
          `view ${display} reads tenant tables with its owner's rights, so RLS is checked against the owner, not the caller.`,
          `ALTER VIEW ${sql} SET (security_invoker = true);`,
        ),
      )
    }
  }
  return out
}

/** SECURITY DEFINER functions whose body names a tenant table run with their owner's rights. */
export async function functionFindings(
  client: PoolClientLike,
  tables: TenantTable[],
  ctx: AuditContext,
): Promise<Finding[]> {
  if (tables.length === 0) return []
  const { rows } = await client.query(
    `SELECT n.nspname AS schema, p.proname AS name, pg_catalog.pg_get_function_identity_arguments(p.oid) AS args,
            p.prosrc AS source
       FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE p.prosecdef AND n.nspname = ANY($1::text[])`,
    [ctx.schemas],
  )
  const out: Finding[] = []
  for (const r of rows as { schema: string; name: string; args: string; source: string }[]) {
    const source = r.source.toLowerCase()
    const touched = tables.filter((t) =>
      new RegExp(`(^|[^a-z0-9_$])"?${escapeRegExp(t.name.toLowerCase())}"?($|[^a-z0-9_$])`).test(source),
    )
    if (touched.length === 0) continue
    const display = `${r.schema}.${r.name}(${r.args})`
    out.push(
      finding(
        'SECURITY_DEFINER_FUNCTION',
        'error',
        display,
        `SECURITY DEFINER function ${display} touches ${touched.map((t) => t.display).join(', ')} with its owner's rights, which may bypass RLS.`,
        `ALTER FUNCTION ${quoteIdent(r.schema)}.${quoteIdent(r.name)}(${r.args}) SECURITY INVOKER;`,
      ),
    )
  }
  return out
}

/** A table name as a literal in a RegExp: identifiers may hold `$`, quoted ones anything. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** PGlite returns some arrays as their text form: `{a,b}`. */
function parseTextArray(text: string): string[] {
  const inner = text.replace(/^\{|\}$/g, '')
  return inner ? inner.split(',').map((s) => s.replace(/^"|"$/g, '')) : []
}
