import type { DrizzleConfig } from 'drizzle-orm'
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import type pg from 'pg'
import { ormWithTenant } from './context/orm-tx'
import type { TenantInput } from './context/settings'
import type { TenantDb } from './tenant-db'

/** The transaction object drizzle hands to `db.transaction(fn)`. */
export type DrizzleTenantTx<TSchema extends Record<string, unknown>> = Parameters<
  Parameters<NodePgDatabase<TSchema>['transaction']>[0]
>[0]

/** drizzle-orm (node-postgres driver) bound to a TenantDb. */
export interface DrizzleTenantDb<TSchema extends Record<string, unknown>, K extends string = 'tenant'> {
  /**
   * A drizzle database whose every query runs in the current context (`runAsTenant`, the
   * fastify / express hooks); outside one it fails with `TenantContextMissingError`.
   */
  readonly db: NodePgDatabase<TSchema>
  /**
   * drizzle's own `db.transaction(fn)`, with the tenant set in the same message as its BEGIN. A
   * nested call for the same tenant reuses the transaction; another tenant throws.
   */
  withTenant<T>(tenant: TenantInput<K>, fn: (tx: DrizzleTenantTx<TSchema>) => Promise<T>): Promise<T>
  withTenant<T>(fn: (tx: DrizzleTenantTx<TSchema>) => Promise<T>): Promise<T>
}

/**
 * drizzle-orm on node-postgres, bound to `tenantDb`'s pool and context. `config` is drizzle's
 * own (schema, casing, logger).
 */
export function drizzleTenantDb<
  TSchema extends Record<string, unknown> = Record<string, never>,
  K extends string = 'tenant',
>(tenantDb: TenantDb<K>, config: DrizzleConfig<TSchema> = {}): DrizzleTenantDb<TSchema, K> {
  // drizzle takes the context pool for a pg.Pool: it has connect(), query() and a name ending in Pool.
  const db = drizzle({
    ...config,
    client: tenantDb.contextPool as unknown as pg.Pool,
  }) as NodePgDatabase<TSchema>
  const owner = {}
  return {
    db,
    withTenant<T>(a: unknown, b?: (tx: DrizzleTenantTx<TSchema>) => Promise<T>): Promise<T> {
      const fn = (typeof a === 'function' ? a : b) as (tx: DrizzleTenantTx<TSchema>) => Promise<T>
      const tenant = typeof a === 'function' ? undefined : (a as TenantInput<K>)
      return ormWithTenant(tenantDb, owner, tenant, (inner) => db.transaction(inner), fn)
    },
  }
}
