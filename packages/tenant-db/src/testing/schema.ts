import fc from 'fast-check'
import { TenantDbArgumentError } from '../errors'
import type { Queryable } from '../queryable'
import { columnList, parseTableName, quoteIdent } from '../sql'

/** One column as the suite needs it. */
export interface ColumnInfo {
  name: string
  type: string
  notNull: boolean
  hasDefault: boolean
  /** Referenced table (one of the suite's) and column, when a foreign key pairs it with the tenant. */
  ref?: { table: string; column: string }
}

/** A tenant table as the suite sees it. */
export interface TableInfo {
  name: string
  sql: string
  columns: ColumnInfo[]
  /** Primary key (or first unique constraint) columns; includes the tenant column. */
  key: string[]
  /** Columns the suite writes on insert: no default, not the tenant column. */
  written: ColumnInfo[]
  /** Columns an update may change: written, not in the key, not a foreign key. */
  mutable: ColumnInfo[]
}

/** Reads columns, keys and foreign keys of `tables` from the catalog (as the admin). */
export async function loadTables(admin: Queryable, tables: string[], column: string): Promise<TableInfo[]> {
  const names = tables.map((t) => parseTableName(t))
  const out: TableInfo[] = []
  for (const t of names) {
    const { rows } = await admin.query<{
      name: string
      type: string
      not_null: boolean
      has_default: boolean
    }>(
      `SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '') AS has_default
         FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [t.sql],
    )
    if (rows.length === 0)
      throw new TenantDbArgumentError(`describeTenantIsolation: table ${t.display} does not exist.`)
    if (!rows.some((r) => r.name === column)) {
      throw new TenantDbArgumentError(
        `describeTenantIsolation: table ${t.display} has no column "${column}".`,
      )
    }
    const keys = await admin.query<{ columns: unknown }>(
      `SELECT (SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord)
                 FROM pg_catalog.unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns
         FROM pg_catalog.pg_constraint c WHERE c.conrelid = pg_catalog.to_regclass($1) AND c.contype IN ('p', 'u')
        ORDER BY c.contype, c.conname`,
      [t.sql],
    )
    const key = keys.rows.map((r) => columnList(r.columns)).find((cols) => cols.includes(column))
    if (!key) {
      throw new TenantDbArgumentError(
        `describeTenantIsolation: table ${t.display} has no primary key or unique constraint that includes ${column}; the suite identifies rows by one (and the audit reports its absence).`,
      )
    }
    const fks = await admin.query<{ columns: unknown; ref_table: string; ref_columns: unknown }>(
      `SELECT (SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord) FROM pg_catalog.unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns,
              n.nspname || '.' || r.relname AS ref_table,
              (SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord) FROM pg_catalog.unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS ref_columns
         FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class r ON r.oid = c.confrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
        WHERE c.conrelid = pg_catalog.to_regclass($1) AND c.contype = 'f'`,
      [t.sql],
    )
    const refs = new Map<string, { table: string; column: string }>()
    for (const fk of fks.rows) {
      const cols = columnList(fk.columns)
      const refCols = columnList(fk.ref_columns)
      cols.forEach((c, i) => {
        if (c !== column) refs.set(c, { table: fk.ref_table, column: refCols[i]! })
      })
    }
    const columns: ColumnInfo[] = rows.map((r) => ({
      name: r.name,
      type: r.type,
      notNull: r.not_null,
      hasDefault: r.has_default,
      ...(refs.has(r.name) ? { ref: refs.get(r.name)! } : {}),
    }))
    const written = columns.filter((c) => c.name !== column && !c.hasDefault)
    for (const c of written) {
      if (c.ref && !names.some((n) => n.display === c.ref!.table) && c.notNull) {
        throw new TenantDbArgumentError(
          `describeTenantIsolation: ${t.display}.${c.name} references ${c.ref.table}, which is not in tables; add it (before ${t.display}).`,
        )
      }
      if (!c.ref && !valueArbitrary(c.type) && c.notNull) {
        throw new TenantDbArgumentError(
          `describeTenantIsolation: cannot generate values of type ${c.type} for ${t.display}.${c.name}; give it a default or make it nullable.`,
        )
      }
    }
    out.push({
      name: t.display,
      sql: t.sql,
      columns,
      key,
      written,
      mutable: written.filter((c) => !key.includes(c.name) && !c.ref && valueArbitrary(c.type)),
    })
  }
  return out
}

/** Values for a column type; key columns get a small domain so that rows collide often. */
export function valueArbitrary(type: string, inKey = false): fc.Arbitrary<unknown> | undefined {
  const t = type.toLowerCase()
  if (/^(smallint|integer|bigint|int|serial)/.test(t)) return fc.integer({ min: 1, max: inKey ? 12 : 30_000 })
  if (/^(text|character varying|varchar|character|citext)/.test(t)) {
    const max = Number(/\((\d+)\)/.exec(t)?.[1] ?? 12)
    return inKey
      ? fc.constantFrom('k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8').map((s) => s.slice(0, max))
      : fc.string({ unit: fc.constantFrom(...'abcdefghij0123456789 '), maxLength: Math.min(max, 12) })
  }
  if (t === 'boolean') return fc.boolean()
  if (t === 'uuid') return fc.uuid()
  if (/^(numeric|decimal|real|double precision)/.test(t)) return fc.integer({ min: -1000, max: 1000 })
  if (t === 'date')
    return fc
      .integer({ min: 0, max: 3650 })
      .map((d) => new Date(Date.UTC(2020, 0, 1 + d)).toISOString().slice(0, 10))
  if (t.startsWith('timestamp'))
    return fc
      .integer({ min: 0, max: 1e6 })
      .map((s) => new Date(Date.UTC(2024, 0, 1) + s * 1000).toISOString())
  if (t === 'jsonb' || t === 'json')
    return fc.record({ n: fc.integer({ min: 0, max: 9 }) }).map((v) => JSON.stringify(v))
  return undefined
}

/** Tenant ids that fit the column's type. */
export function tenantIds(type: string, count: number): string[] {
  if (type.toLowerCase() === 'uuid') {
    return Array.from(
      { length: count },
      (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    )
  }
  return Array.from({ length: count }, (_, i) => String(7001 + i))
}

export const ident = quoteIdent
