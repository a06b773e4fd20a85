import type { PoolClientLike } from '../queryable'
import { columnList, quoteIdent } from '../sql'
import { type AuditContext, type Finding, finding, type TenantTable } from './types'

interface UniqueRow {
  table_oid: number
  index_schema: string
  index_name: string
  constraint_name: string | null
  is_primary: boolean
  columns: unknown
  plain: boolean
}

/**
 * Unique constraints, primary keys and unique indexes on tenant tables that do
 * not include the tenant column: the bug where one restaurant's sync
 * overwrote another's rows with the same Poster id. Citus requires the
 * distribution column in them too.
 */
export async function uniqueFindings(
  client: PoolClientLike,
  tables: TenantTable[],
  ctx: AuditContext,
): Promise<Finding[]> {
  if (tables.length === 0) return []
  const { rows } = await client.query(
    `SELECT i.indrelid::int AS table_oid, n.nspname AS index_schema, ic.relname AS index_name,
            con.conname AS constraint_name, i.indisprimary AS is_primary,
            (SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord)
               FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns,
            (i.indexprs IS NULL AND i.indpred IS NULL) AS plain
       FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
       LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')
      WHERE i.indisunique AND i.indrelid = ANY($1::oid[])
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                         WHERE a.attrelid = i.indrelid AND a.attname = $2 AND a.attnum = ANY(i.indkey::int2[]))`,
    [tables.map((t) => t.oid), ctx.column],
  )
  const byOid = new Map(tables.map((t) => [t.oid, t]))
  const column = quoteIdent(ctx.column)
  return (rows as UniqueRow[]).flatMap((r) => {
    const t = byOid.get(Number(r.table_oid))
    if (!t) return []
    const name = r.constraint_name ?? r.index_name
    const names = columnList(r.columns)
    const columns = [column, ...names.map(quoteIdent)].join(', ')
    const kind = r.is_primary ? 'primary key' : r.constraint_name ? 'unique constraint' : 'unique index'
    let fix: string
    if (r.constraint_name) {
      const add = r.is_primary ? 'PRIMARY KEY' : 'UNIQUE'
      fix = `ALTER TABLE ${t.sql} DROP CONSTRAINT ${quoteIdent(name)}, ADD CONSTRAINT ${quoteIdent(name)} ${add} (${columns});`
    } else if (r.plain) {
      fix = `DROP INDEX ${quoteIdent(r.index_schema)}.${quoteIdent(name)};\nCREATE UNIQUE INDEX ${quoteIdent(name)} ON ${t.sql} (${columns});`
    } else {
      fix = `-- recreate unique index ${r.index_schema}.${name} (expressions or predicate) with ${ctx.column} as its first column`
    }
    return [
      finding(
        'UNIQUE_WITHOUT_TENANT',
        'error',
        `${t.display}.${name}`,
        `${kind} ${name} on ${t.display} (${names.join(', ') || 'expressions'}) does not include ${ctx.column}: two tenants cannot hold the same value, and an upsert on it overwrites another tenant's row. Foreign keys that reference it must be rebuilt first.`,
        fix,
      ),
    ]
  })
}
