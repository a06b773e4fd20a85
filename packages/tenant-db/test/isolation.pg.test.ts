import pg from 'pg'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { applyTenantRls } from '../src/migrate'
import { describeTenantIsolation } from '../src/testing'
import { createSuppliersFixture, type TenantFixture } from './support/database'
import { OPS, runLeak } from './support/isolation-suite'
import { ORDERS_SQL } from './support/schemas'

let fx: TenantFixture
const pools: pg.Pool[] = []

beforeAll(async () => {
  fx = await createSuppliersFixture('tenant_isolation')
  await fx.admin.query(ORDERS_SQL)
  await applyTenantRls(fx.admin, {
    tables: ['orders', 'order_lines'],
    column: 'restaurant_id',
    role: fx.role,
  })
})

afterAll(async () => {
  for (const p of pools) await p.end()
  await fx?.destroy()
})

for (const pipeline of [false, true]) {
  // The suite users run on their own schema (@rc/tenant-db/testing), on ours: core db.query.
  describeTenantIsolation(
    () => {
      const app = new pg.Pool({ connectionString: fx.appUrl, max: 8, pipeline })
      pools.push(app)
      return {
        adminPool: fx.admin,
        appPool: app,
        tables: ['suppliers', 'orders', 'order_lines'],
        column: 'restaurant_id',
        tenants: 20,
        operations: OPS,
      }
    },
    { name: `direct to PostgreSQL, pg pipeline: ${pipeline}`, tenants: 20, operations: OPS },
  )
}

describe.each([false, true])('isolation, direct to PostgreSQL, pg pipeline: %s', (pipeline) => {
  it('never runs a query under the previous tenant: 1000 calls over 2 connections', {
    timeout: 120_000,
  }, async () => {
    const app = new pg.Pool({ connectionString: fx.appUrl, max: 2, pipeline })
    try {
      await runLeak({ admin: fx.admin, app })
    } finally {
      await app.end()
    }
  })
})
