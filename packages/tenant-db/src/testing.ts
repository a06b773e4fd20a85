import { beforeAll, describe, it } from 'vitest'
import type { PoolLike, Queryable } from './queryable'
import { createTenantDb } from './tenant-db'
import { runIsolationProperty, type TenantExecutor } from './testing/isolation'
import { loadTables, type TableInfo, tenantIds } from './testing/schema'

export type { TenantExecutor } from './testing/isolation'

/** Options of `describeTenantIsolation`. */
export interface TenantIsolationOptions {
  /** Shown in the test names, e.g. `'direct'` or `'behind PgBouncer'`. */
  name?: string
  /**
   * The judge: a pool that sees every row (superuser, or the tables' owner without FORCE). It
   * also TRUNCATEs the tables before each run: point the suite at a test database.
   */
  adminPool: Queryable
  /** The app role's pool (direct or through PgBouncer); unused when `execute` is given. */
  appPool?: PoolLike
  /** Tenant tables, parents before the tables whose foreign keys reference them. */
  tables: string[]
  /** The tenant column. */
  column: string
  /** How tenants run their statements. Default: `createTenantDb({ pool: appPool }).query`. */
  execute?: TenantExecutor
  /** Concurrent tenants. Default 8. */
  tenants?: number
  /** Operations in total. Default 2,000. */
  operations?: number
  /** Operations per property run (the tables are emptied between runs). Default 500. */
  opsPerRun?: number
  /** Test timeout. Default 10 minutes. */
  timeout?: number
}

/**
 * A vitest suite that proves tenant isolation on your own schema: fast-check generates inserts,
 * upserts, updates, deletes, selects and cross-tenant writes from several tenants at once; every
 * result is checked against a model of each tenant's rows, and after each run the admin's view
 * of every table must equal the model. Updates and deletes filter by key without the tenant
 * column, so only the policies keep tenants apart.
 */
export function describeTenantIsolation(
  input: TenantIsolationOptions | (() => TenantIsolationOptions | Promise<TenantIsolationOptions>),
  /** With the function form (pools made in a `beforeAll`): what the test names show. */
  names: { name?: string; operations?: number; tenants?: number; timeout?: number } = {},
): void {
  const early = typeof input === 'function' ? names : input
  const operations = early.operations ?? 2000
  const tenantCount = early.tenants ?? 8
  describe(`tenant isolation${early.name ? `: ${early.name}` : ''}`, () => {
    let tables: TableInfo[]
    let tenants: string[]
    let options: TenantIsolationOptions
    beforeAll(async () => {
      options = typeof input === 'function' ? await input() : input
      tables = await loadTables(options.adminPool, options.tables, options.column)
      const type = tables[0]!.columns.find((c) => c.name === options.column)!.type
      tenants = tenantIds(type, options.tenants ?? tenantCount)
    })

    it(`keeps ${tenantCount} tenants apart over ${operations} random operations`, {
      timeout: early.timeout ?? 600_000,
    }, async () => {
      let execute = options.execute
      if (!execute) {
        if (!options.appPool) throw new Error('describeTenantIsolation needs appPool or execute')
        const db = createTenantDb({ pool: options.appPool })
        execute = (tenant, text, params) => db.query(tenant, text, params)
      }
      await runIsolationProperty(
        { admin: options.adminPool, tables, column: options.column, tenants, execute },
        { operations: options.operations ?? operations, opsPerRun: options.opsPerRun ?? 500 },
      )
    })
  })
}
