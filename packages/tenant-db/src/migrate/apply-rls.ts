import { inTransaction, withClient } from '../connection'
import { TenantDbArgumentError } from '../errors'
import type { PoolClientLike, PoolLike } from '../queryable'
import { parseTableName } from '../sql'
import { type TenantRlsSqlOptions, tenantRlsSql } from './rls-sql'

/** Options of `applyTenantRls`. */
export interface ApplyTenantRlsOptions extends Omit<TenantRlsSqlOptions, 'table' | 'columnType'> {
  /** Tables to protect, `name` or `schema.name`; each must have `column`. */
  tables: string[]
}

/** What `applyTenantRls` ran, per table. */
export interface AppliedRls {
  table: string
  columnType: string
  sql: string
}

/**
 * Applies `tenantRlsSql` to every table in one transaction, reading each
 * tenant column's type from the catalog. Connect as the tables' owner (or a
 * superuser), never as the app role. Idempotent.
 */
export async function applyTenantRls(pool: PoolLike, options: ApplyTenantRlsOptions): Promise<AppliedRls[]> {
  if (options.tables.length === 0) throw new TenantDbArgumentError('applyTenantRls needs at least one table.')
  const tables = options.tables.map((t) => parseTableName(t))
  return withClient(pool, (client) =>
    inTransaction(client, async () => {
      await assertRoleExists(client, options.role)
      const applied: AppliedRls[] = []
      for (const table of tables) {
        const columnType = await columnTypeOf(client, table.sql, table.display, options.column)
        const sql = tenantRlsSql({ ...options, table: table.display, columnType })
        await client.query(sql)
        applied.push({ table: table.display, columnType, sql })
      }
      return applied
    }),
  )
}

async function assertRoleExists(client: PoolClientLike, role: string): Promise<void> {
  const { rows } = await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role])
  if (rows.length === 0) {
    throw new TenantDbArgumentError(`role "${role}" does not exist; create it first (CREATE ROLE ... LOGIN).`)
  }
}

async function columnTypeOf(
  client: PoolClientLike,
  tableSql: string,
  display: string,
  column: string,
): Promise<string> {
  const { rows } = await client.query(
    `SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
    [tableSql, column],
  )
  const row = rows[0] as { type: string } | undefined
  if (!row) throw new TenantDbArgumentError(`table ${display} does not exist or has no column "${column}".`)
  return row.type
}
