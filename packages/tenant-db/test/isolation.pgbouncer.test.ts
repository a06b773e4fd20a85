import pg from 'pg'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { applyTenantRls } from '../src/migrate'
import { createTenantFixture, SUPPLIERS_SQL, type TenantFixture, urlAs } from './support/database'
import { runIsolation, runLeak } from './support/isolation-suite'
import { type PgBouncer, startPgBouncer } from './support/pgbouncer'

const OPS = process.env.RC_FULL === '1' ? 100_000 : 3_000

let fx: TenantFixture
let bouncer: PgBouncer
let app: pg.Pool
let leakPool: pg.Pool

beforeAll(async () => {
  fx = await createTenantFixture('tenant_bouncer')
  await fx.admin.query(SUPPLIERS_SQL)
  await applyTenantRls(fx.admin, { tables: ['suppliers'], column: 'restaurant_id', role: fx.role })
  bouncer = await startPgBouncer({ target: fx.db.url, users: [fx.role, 'postgres'] })
  const url = urlAs(fx.db.url, fx.role, { port: bouncer.port })
  app = new pg.Pool({ connectionString: url, max: 12 })
  leakPool = new pg.Pool({ connectionString: url, max: 2 })
})

afterAll(async () => {
  await app?.end()
  await leakPool?.end()
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

  it(`keeps 20 tenants apart over ${OPS} random operations`, { timeout: 600_000 }, async () => {
    await runIsolation({ admin: fx.admin, app }, OPS)
  })

  it('never runs a query under the previous tenant: 1000 calls over 2 connections', {
    timeout: 120_000,
  }, async () => {
    await runLeak({ admin: fx.admin, app: leakPool })
  })
})
