import { type PgBouncer, startPgBouncer } from '@rc/test-services'
import pg from 'pg'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { drizzleTenantDb } from '../src/drizzle'
import { createTenantDb } from '../src/index'
import { kyselyTenantDb } from '../src/kysely'
import { applyTenantRls } from '../src/migrate'
import { describeTenantIsolation } from '../src/testing'
import { createSuppliersFixture, type TenantFixture, urlAs } from './support/database'
import { OPS, runLeak, runQueryLeak } from './support/isolation-suite'
import { drizzleExecutor, kyselyExecutor } from './support/orm-executors'
import { ORDERS_SQL } from './support/schemas'

let fx: TenantFixture
let bouncer: PgBouncer
let url: string
let app: pg.Pool
const pools: pg.Pool[] = []
const TABLES = ['suppliers', 'orders', 'order_lines']

beforeAll(async () => {
  fx = await createSuppliersFixture('tenant_bouncer')
  await fx.admin.query(ORDERS_SQL)
  await applyTenantRls(fx.admin, {
    tables: ['orders', 'order_lines'],
    column: 'restaurant_id',
    role: fx.role,
  })
  bouncer = await startPgBouncer({ target: fx.db.url, users: [fx.role, 'postgres'] })
  url = urlAs(fx.db.url, fx.role, { port: bouncer.port })
  app = new pg.Pool({ connectionString: url, max: 12 })
})

afterAll(async () => {
  for (const p of pools) await p.end()
  await app?.end()
  await bouncer?.stop()
  await fx?.destroy()
})

describe('isolation behind PgBouncer in transaction pooling mode', () => {
  it('multiplexes many clients over few server connections', async ({ expect }) => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => app.connect()))
    try {
      const pids = await Promise.all(
        clients.map(async (c) => (await c.query('SELECT pg_backend_pid() AS p')).rows[0].p),
      )
      // default_pool_size = 4: eight clients share at most four server connections.
      expect(new Set(pids).size).toBeLessThanOrEqual(4)
    } finally {
      for (const c of clients) c.release()
    }
  })
})

describe.each([false, true])('behind PgBouncer (transaction pooling), pg pipeline: %s', (pipeline) => {
  it('never runs a query under the previous tenant: 1000 calls over 2 connections', {
    timeout: 120_000,
  }, async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2, pipeline })
    try {
      await runLeak({ admin: fx.admin, app: pool })
    } finally {
      await pool.end()
    }
  })

  it('db.query in one implicit transaction leaves no tenant behind: 1000 calls over 1 connection', {
    timeout: 120_000,
  }, async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1, pipeline })
    try {
      await runQueryLeak({ admin: fx.admin, app: pool })
    } finally {
      await pool.end()
    }
  })
})

for (const pipeline of [false, true]) {
  describeTenantIsolation(
    () => {
      const pool = new pg.Pool({ connectionString: url, max: 12, pipeline })
      pools.push(pool)
      return {
        adminPool: fx.admin,
        appPool: pool,
        tables: TABLES,
        column: 'restaurant_id',
        tenants: 20,
        operations: OPS,
      }
    },
    { name: `behind PgBouncer, core db.query, pg pipeline: ${pipeline}`, tenants: 20, operations: OPS },
  )
}

for (const adapter of ['drizzle', 'kysely'] as const) {
  describeTenantIsolation(
    () => {
      const core = createTenantDb({ pool: app })
      return {
        adminPool: fx.admin,
        tables: TABLES,
        column: 'restaurant_id',
        execute:
          adapter === 'drizzle'
            ? drizzleExecutor(drizzleTenantDb(core))
            : kyselyExecutor(kyselyTenantDb(core)),
      }
    },
    { name: `behind PgBouncer, ${adapter}` },
  )
}
