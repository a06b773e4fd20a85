import { fileURLToPath } from 'node:url'
import { createTenantDb, type PoolLike, type QueryResultLike, type TenantDb } from '@rc/tenant-db'
import { applyTenantRls, runMigrations } from '@rc/tenant-db/migrate'
import pg from 'pg'

/** Tables that hold one restaurant's rows; RLS is applied to each. */
export const tenantTables = [
  'storages',
  'suppliers',
  'categories',
  'ingredients',
  'products',
  'stock_levels',
  'sections',
  'checklist_items',
  'supplier_orders',
  'supplier_order_lines',
  'poster_supplies',
] as const

export const APP_ROLE = 'rc_app'
export const TENANT_COLUMN = 'restaurant_id'
export const migrationsDir = fileURLToPath(new URL('../../migrations', import.meta.url))

/** A pool that also answers one-off queries (pg.Pool and the PGlite adapter both do). */
export interface QueryPool extends PoolLike {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResultLike<R>>
}

/** The app's view of PostgreSQL: it runs as `rc_app`, tenant data only through `tenant`. */
export interface Database {
  kind: 'postgres' | 'pglite'
  /** Connected as the app role: control-plane reads and the tenant context. */
  pool: QueryPool
  tenant: TenantDb
  /** Closes the app pool and the owner pool it was opened with. */
  close(): Promise<void>
}

/** Migrations, then RLS on every tenant table; run as the tables' owner. Idempotent. */
export async function migrate(owner: PoolLike): Promise<void> {
  await runMigrations(owner, { dir: migrationsDir })
  await applyTenantRls(owner, { tables: [...tenantTables], column: TENANT_COLUMN, role: APP_ROLE })
}

/** Real PostgreSQL: `ownerUrl` migrates, `appUrl` (the rc_app login) serves. */
export async function openPostgres(
  ownerUrl: string,
  appUrl: string,
): Promise<{ db: Database; owner: pg.Pool }> {
  const owner = new pg.Pool({ connectionString: ownerUrl, max: 2 })
  await migrate(owner)
  // pipeline: BEGIN + SET LOCAL travel with the first query (one round trip saved per request).
  const pool = new pg.Pool({ connectionString: appUrl, max: 10, pipeline: true })
  pool.on('error', () => {}) // an idle client's socket error: the pool drops it and reconnects
  const db: Database = {
    kind: 'postgres',
    pool: pool as unknown as QueryPool,
    tenant: createTenantDb({ pool }),
    close: async () => {
      await Promise.all([pool.end(), owner.end()])
    },
  }
  return { db, owner }
}

/**
 * Embedded: one PGlite, kept in `dataDir` (in memory without one). PGlite is a single session, so the
 * owner's queries (control-plane writes the app role may not make: onboarding, invitations, members)
 * go through the app pool's queue, which serializes every checkout, with the role reset meanwhile.
 */
export async function openPglite(dataDir?: string): Promise<{ db: Database; owner: QueryPool }> {
  const [{ PGlite }, { pglitePool }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@rc/tenant-db/pglite'),
  ])
  const instance = dataDir ? new PGlite(dataDir) : new PGlite()
  // Before the app role exists: migrate as PGlite's own superuser, then never use this pool again.
  await migrate(pglitePool(instance))
  const pool = pglitePool(instance, { role: APP_ROLE })
  const owner: QueryPool = {
    async connect() {
      const client = await pool.connect()
      try {
        await client.query('RESET ROLE')
      } catch (error) {
        client.release(true)
        throw error
      }
      return client
    },
    async query<R>(text: string, params?: unknown[]) {
      const client = await owner.connect()
      try {
        return (await client.query(text, params)) as QueryResultLike<R>
      } finally {
        client.release()
      }
    },
  }
  const db: Database = {
    kind: 'pglite',
    pool,
    tenant: createTenantDb({ pool }),
    close: async () => {
      await instance.close()
    },
  }
  return { db, owner }
}
