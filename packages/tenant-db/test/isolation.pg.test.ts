import pg from 'pg'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { applyTenantRls } from '../src/migrate'
import { createTenantFixture, SUPPLIERS_SQL, type TenantFixture } from './support/database'
import { runIsolation, runLeak } from './support/isolation-suite'

// CI sets RC_FULL=1 for the full 100,000 operations; the default run stays quick.
const OPS = process.env.RC_FULL === '1' ? 100_000 : 3_000

let fx: TenantFixture

beforeAll(async () => {
  fx = await createTenantFixture('tenant_isolation')
  await fx.admin.query(SUPPLIERS_SQL)
  await applyTenantRls(fx.admin, { tables: ['suppliers'], column: 'restaurant_id', role: fx.role })
})

afterAll(async () => {
  await fx?.destroy()
})

describe.each([false, true])('isolation, direct to PostgreSQL, pg pipeline: %s', (pipeline) => {
  it(`keeps 20 tenants apart over ${OPS} random operations`, { timeout: 600_000 }, async () => {
    const app = new pg.Pool({ connectionString: fx.appUrl, max: 6, pipeline })
    try {
      await runIsolation({ admin: fx.admin, app }, OPS)
    } finally {
      await app.end()
    }
  })

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
