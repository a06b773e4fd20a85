import { and, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import { bigint, integer, pgTable } from 'drizzle-orm/pg-core'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { drizzleTenantDb } from '../src/drizzle'
import { createTenantDb } from '../src/index'
import { kyselyTenantDb } from '../src/kysely'
import { concurrentRounds, sequentialRounds, type Task } from './rounds'
import type { BenchDatabase } from './setup'

const TENANTS = 100
const ROUNDS = 6
const ROUND_MS = 500

export interface AdapterRow {
  name: string
  concurrency: number
  p50: number
  opsPerSec: number
  /** The same library's own transaction + 1 query, without tenant context. */
  baseline: string
}

const suppliers = pgTable('suppliers', {
  restaurantId: bigint('restaurant_id', { mode: 'number' }).notNull(),
  id: bigint('id', { mode: 'number' }).notNull(),
  amount: integer('amount').notNull(),
})
interface Schema {
  suppliers: { restaurant_id: number; id: number; amount: number }
}

/**
 * Each adapter's `withTenant` + one point query against the same library's own transaction + the
 * same query with an explicit tenant filter, as the owner (no RLS, no tenant context). Uses the
 * `suppliers` table overhead.ts seeded.
 */
export async function benchAdapters(bench: BenchDatabase): Promise<AdapterRow[]> {
  const rows: AdapterRow[] = []
  for (const concurrency of [1, 16]) {
    const app = new pg.Pool({ connectionString: bench.appUrl, max: concurrency })
    const raw = new pg.Pool({ connectionString: bench.db.url, max: concurrency })
    const core = createTenantDb({ pool: app })
    const tenantDrizzle = drizzleTenantDb(core)
    const ownDrizzle = drizzle({ client: raw })
    const tenantKysely = kyselyTenantDb<Schema>(core)
    const ownKysely = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: raw }) })
    const pick = () => {
      const tenant = 1 + Math.floor(Math.random() * TENANTS)
      return { tenant, id: tenant + TENANTS * Math.floor(Math.random() * 99) }
    }
    const tasks: Task[] = [
      [
        'drizzle: own db.transaction + 1 query',
        () => {
          const { tenant, id } = pick()
          return ownDrizzle.transaction((tx) =>
            tx
              .select()
              .from(suppliers)
              .where(and(eq(suppliers.restaurantId, tenant), eq(suppliers.id, id))),
          )
        },
      ],
      [
        'drizzle: withTenant + 1 query',
        () => {
          const { tenant, id } = pick()
          return tenantDrizzle.withTenant(String(tenant), (tx) =>
            tx.select().from(suppliers).where(eq(suppliers.id, id)),
          )
        },
      ],
      [
        'kysely: own transaction + 1 query',
        () => {
          const { tenant, id } = pick()
          return ownKysely
            .transaction()
            .execute((trx) =>
              trx
                .selectFrom('suppliers')
                .selectAll()
                .where('restaurant_id', '=', tenant)
                .where('id', '=', id)
                .execute(),
            )
        },
      ],
      [
        'kysely: withTenant + 1 query',
        () => {
          const { tenant, id } = pick()
          return tenantKysely.withTenant(String(tenant), (trx) =>
            trx.selectFrom('suppliers').selectAll().where('id', '=', id).execute(),
          )
        },
      ],
    ]
    await core.verifyRole()
    const results =
      concurrency === 1
        ? await sequentialRounds(tasks, ROUNDS, ROUND_MS)
        : await concurrentRounds(tasks, concurrency, ROUNDS, ROUND_MS)
    for (const [name, r] of results) {
      const lib = name.split(':')[0]!
      rows.push({ name, concurrency, p50: r.p50, opsPerSec: r.opsPerSec, baseline: `${lib}: own` })
    }
    await app.end()
    await raw.end()
  }
  return rows
}
