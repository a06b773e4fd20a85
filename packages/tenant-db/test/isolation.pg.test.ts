import pg from 'pg'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { createSuppliersFixture, type TenantFixture } from './support/database'
import { OPS, runIsolation, runLeak } from './support/isolation-suite'

let fx: TenantFixture

beforeAll(async () => {
  fx = await createSuppliersFixture('tenant_isolation')
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
