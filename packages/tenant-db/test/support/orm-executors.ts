import { type SQL, sql } from 'drizzle-orm'
import { CompiledQuery } from 'kysely'
import type { DrizzleTenantDb } from '../../src/drizzle'
import type { KyselyTenantDb } from '../../src/kysely'
import type { TenantExecutor } from '../../src/testing'

/** `$1 ... $n` text as drizzle SQL: the parameters stay bound (drizzle numbers them in order). */
export function drizzleSql(text: string, params: unknown[]): SQL {
  const parts = text.split(/\$(\d+)/)
  return sql.join(parts.map((part, i) => (i % 2 ? sql`${params[Number(part) - 1]}` : sql.raw(part))))
}

/** Each statement in its own drizzle transaction (`withTenant`), on drizzle's tx object. */
export function drizzleExecutor(tdb: DrizzleTenantDb<Record<string, never>>): TenantExecutor {
  return (tenant, text, params) => tdb.withTenant(tenant, (tx) => tx.execute(drizzleSql(text, params)))
}

/** Each statement in its own Kysely transaction (`withTenant`), on Kysely's trx object. */
export function kyselyExecutor(kdb: KyselyTenantDb<unknown>): TenantExecutor {
  return (tenant, text, params) =>
    kdb.withTenant(tenant, (trx) => trx.executeQuery(CompiledQuery.raw(text, params)))
}
