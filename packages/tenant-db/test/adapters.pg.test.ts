import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import { integer, pgTable, text } from 'drizzle-orm/pg-core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { drizzleTenantDb } from '../src/drizzle'
import { createTenantDb, TenantContextMissingError, TenantNestingError } from '../src/index'
import { kyselyTenantDb } from '../src/kysely'
import { applyTenantRls } from '../src/migrate'
import { describeTenantIsolation } from '../src/testing'
import { createSuppliersFixture, type TenantFixture } from './support/database'
import { countRoundTrips } from './support/flights'
import { drizzleExecutor, kyselyExecutor } from './support/orm-executors'
import { ORDERS_SQL } from './support/schemas'

const suppliers = pgTable('suppliers', {
  restaurantId: text('restaurant_id').notNull(),
  posterId: integer('poster_id').notNull(),
  name: text('name').notNull(),
  version: integer('version').notNull(),
})
interface KyselySchema {
  suppliers: { restaurant_id: string; poster_id: number; name: string; version: number }
}

let fx: TenantFixture
let pool: pg.Pool

beforeAll(async () => {
  fx = await createSuppliersFixture('tenant_adapters')
  await fx.admin.query(ORDERS_SQL)
  await applyTenantRls(fx.admin, {
    tables: ['orders', 'order_lines'],
    column: 'restaurant_id',
    role: fx.role,
  })
  pool = new pg.Pool({ connectionString: fx.appUrl, max: 8 })
})

afterAll(async () => {
  await pool?.end()
  await fx?.destroy()
})

const seed = async () => {
  await fx.admin.query('TRUNCATE suppliers')
  await fx.admin.query(
    "INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ('a', 1, 'A1'), ('b', 1, 'B1'), ('b', 2, 'B2')",
  )
}
const settingOf = async (client: pg.Pool) =>
  (await client.query("SELECT current_setting('app.current_tenant', true) AS t")).rows[0].t ?? ''

describe('@rc/tenant-db/drizzle', () => {
  it("withTenant hands drizzle's own transaction, scoped to the tenant", async () => {
    await seed()
    const tdb = drizzleTenantDb(createTenantDb({ pool }))
    const rows = await tdb.withTenant('b', async (tx) => {
      const nested = await tx.transaction(async (sp) =>
        sp.select().from(suppliers).where(eq(suppliers.posterId, 2)),
      )
      expect(nested.map((r) => r.name)).toEqual(['B2'])
      await tx.update(suppliers).set({ name: 'B1*' }).where(eq(suppliers.posterId, 1))
      return tx.select({ name: suppliers.name }).from(suppliers).orderBy(suppliers.name)
    })
    expect(rows.map((r) => r.name)).toEqual(['B1*', 'B2'])
    const { rows: a } = await fx.admin.query("SELECT name FROM suppliers WHERE restaurant_id = 'a'")
    expect(a).toEqual([{ name: 'A1' }])
  })

  it('db runs in the request context, and fails closed outside it', async () => {
    await seed()
    const core = createTenantDb({ pool })
    const tdb = drizzleTenantDb(core)
    const names = await core.runAsTenant('a', () => tdb.db.select({ name: suppliers.name }).from(suppliers))
    expect(names).toEqual([{ name: 'A1' }])
    // drizzle wraps driver errors in its own, with ours as the cause.
    await expect(tdb.db.select().from(suppliers)).rejects.toMatchObject({
      cause: expect.any(TenantContextMissingError),
    })
    await expect(tdb.withTenant(async (tx) => tx.select().from(suppliers))).rejects.toBeInstanceOf(
      TenantContextMissingError,
    )
  })

  it('rolls back on a throw and leaves no tenant; nesting reuses the same tenant, refuses another', async () => {
    await seed()
    const single = new pg.Pool({ connectionString: fx.appUrl, max: 1 })
    try {
      const tdb = drizzleTenantDb(createTenantDb({ pool: single }))
      await expect(
        tdb.withTenant('a', async (tx) => {
          await tx.insert(suppliers).values({ restaurantId: 'a', posterId: 9, name: 'gone', version: 0 })
          throw new Error('abort')
        }),
      ).rejects.toThrow('abort')
      expect(await settingOf(single)).toBe('')
      const same = await tdb.withTenant('a', (outer) => tdb.withTenant('a', async (inner) => inner === outer))
      expect(same).toBe(true)
      await expect(tdb.withTenant('a', () => tdb.withTenant('b', async () => 1))).rejects.toBeInstanceOf(
        TenantNestingError,
      )
      const { rows } = await fx.admin.query("SELECT count(*)::int AS n FROM suppliers WHERE name = 'gone'")
      expect(rows[0].n).toBe(0)
    } finally {
      await single.end()
    }
  })

  it('costs one round trip less than its own transaction: BEGIN and the tenant ride with the first query', async () => {
    const wire = new pg.Pool({ connectionString: fx.appUrl, max: 1 })
    const counter = countRoundTrips(wire)
    try {
      const core = createTenantDb({ pool: wire })
      await core.verifyRole()
      const tdb = drizzleTenantDb(core)
      const own = drizzle({ client: wire })
      counter.trips = 0
      await own.transaction((tx) => tx.select().from(suppliers))
      expect(counter.trips).toBe(3) // drizzle alone: BEGIN, the query, COMMIT
      counter.trips = 0
      await tdb.withTenant('a', (tx) => tx.select().from(suppliers))
      expect(counter.trips).toBe(2) // BEGIN + set_config + the query, COMMIT
      counter.trips = 0
      const kdb = kyselyTenantDb<KyselySchema>(core)
      await kdb.withTenant('a', (trx) => trx.selectFrom('suppliers').selectAll().execute())
      expect(counter.trips).toBe(2)
      counter.trips = 0
      expect(await tdb.withTenant('a', async () => 'nothing sent')).toBe('nothing sent')
      expect(counter.trips).toBe(0)
    } finally {
      await wire.end()
    }
  })
})

describe('@rc/tenant-db/kysely', () => {
  it("withTenant hands Kysely's own transaction, scoped to the tenant", async () => {
    await seed()
    const kdb = kyselyTenantDb<KyselySchema>(createTenantDb({ pool }))
    const names = await kdb.withTenant('b', async (trx) => {
      await trx.updateTable('suppliers').set({ name: 'B2*' }).where('poster_id', '=', 2).execute()
      return trx.selectFrom('suppliers').select('name').orderBy('name').execute()
    })
    expect(names).toEqual([{ name: 'B1' }, { name: 'B2*' }])
  })

  it('db runs in the request context, and fails closed outside it', async () => {
    await seed()
    const core = createTenantDb({ pool })
    const kdb = kyselyTenantDb<KyselySchema>(core)
    const names = await core.runAsTenant('a', () => kdb.db.selectFrom('suppliers').select('name').execute())
    expect(names).toEqual([{ name: 'A1' }])
    await expect(kdb.db.selectFrom('suppliers').selectAll().execute()).rejects.toBeInstanceOf(
      TenantContextMissingError,
    )
  })

  it('rolls back on a throw and leaves no tenant on the connection', async () => {
    await seed()
    const single = new pg.Pool({ connectionString: fx.appUrl, max: 1 })
    try {
      const kdb = kyselyTenantDb<KyselySchema>(createTenantDb({ pool: single }))
      await expect(
        kdb.withTenant('a', async (trx) => {
          await trx
            .insertInto('suppliers')
            .values({ restaurant_id: 'a', poster_id: 9, name: 'gone', version: 0 })
            .execute()
          throw new Error('abort')
        }),
      ).rejects.toThrow('abort')
      expect(await settingOf(single)).toBe('')
      const { rows } = await fx.admin.query("SELECT count(*)::int AS n FROM suppliers WHERE name = 'gone'")
      expect(rows[0].n).toBe(0)
    } finally {
      await single.end()
    }
  })
})

// The same property test the core runs, through each adapter's own transaction object.
for (const adapter of ['drizzle', 'kysely'] as const) {
  describeTenantIsolation(
    async () => {
      const core = createTenantDb({ pool })
      return {
        adminPool: fx.admin,
        tables: ['suppliers', 'orders', 'order_lines'],
        column: 'restaurant_id',
        execute:
          adapter === 'drizzle'
            ? drizzleExecutor(drizzleTenantDb(core))
            : kyselyExecutor(kyselyTenantDb(core)),
      }
    },
    { name: `${adapter}, direct` },
  )
}
