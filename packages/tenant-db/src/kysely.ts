import { Kysely, type KyselyConfig, PostgresDialect, type PostgresPool, type Transaction } from 'kysely'
import { ormWithTenant } from './context/orm-tx'
import type { TenantInput } from './context/settings'
import type { TenantDb } from './tenant-db'

/** Kysely (PostgresDialect) bound to a TenantDb. */
export interface KyselyTenantDb<DB, K extends string = 'tenant'> {
  /**
   * A Kysely instance whose every query runs in the current context (`runAsTenant`, the fastify /
   * express hooks); outside one it fails with `TenantContextMissingError`.
   */
  readonly db: Kysely<DB>
  /**
   * Kysely's own `db.transaction().execute(fn)`, with the tenant set in the same message as its
   * BEGIN. A nested call for the same tenant reuses the transaction; another tenant throws.
   */
  withTenant<T>(tenant: TenantInput<K>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>
  withTenant<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>
}

/**
 * Kysely with its PostgresDialect over `tenantDb`'s context pool. `config` is Kysely's own, less
 * the dialect. `db.destroy()` leaves the app's pool open: the app ends it.
 */
export function kyselyTenantDb<DB, K extends string = 'tenant'>(
  tenantDb: TenantDb<K>,
  config: Omit<KyselyConfig, 'dialect'> = {},
): KyselyTenantDb<DB, K> {
  const db = new Kysely<DB>({
    ...config,
    dialect: new PostgresDialect({ pool: tenantDb.contextPool as unknown as PostgresPool }),
  })
  const owner = {}
  return {
    db,
    withTenant<T>(a: unknown, b?: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
      const fn = (typeof a === 'function' ? a : b) as (trx: Transaction<DB>) => Promise<T>
      const tenant = typeof a === 'function' ? undefined : (a as TenantInput<K>)
      return ormWithTenant(tenantDb, owner, tenant, (inner) => db.transaction().execute(inner), fn)
    },
  }
}
