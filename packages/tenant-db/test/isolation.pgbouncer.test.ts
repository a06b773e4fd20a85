import pg from 'pg'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { createSuppliersFixture, type TenantFixture, urlAs } from './support/database'
import { OPS, runIsolation, runLeak, runQueryLeak } from './support/isolation-suite'
import { type PgBouncer, startPgBouncer } from './support/pgbouncer'

let fx: TenantFixture
let bouncer: PgBouncer
let url: string
let app: pg.Pool

beforeAll(async () => {
  fx = await createSuppliersFixture('tenant_bouncer')
  bouncer = await startPgBouncer({ target: fx.db.url, users: [fx.role, 'postgres'] })
  url = urlAs(fx.db.url, fx.role, { port: bouncer.port })
  app = new pg.Pool({ connectionString: url, max: 12 })
})

afterAll(async () => {
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
  it(`keeps 20 tenants apart over ${OPS} random operations`, { timeout: 600_000 }, async () => {
    const pool = new pg.Pool({ connectionString: url, max: 12, pipeline })
    try {
      await runIsolation({ admin: fx.admin, app: pool }, OPS)
    } finally {
      await pool.end()
    }
  })

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
