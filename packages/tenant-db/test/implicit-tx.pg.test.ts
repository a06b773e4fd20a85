import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTenantDb } from '../src/index'
import { createSuppliersFixture, type TenantFixture } from './support/database'
import { runQueryLeak } from './support/isolation-suite'

let fx: TenantFixture

beforeAll(async () => {
  fx = await createSuppliersFixture('tenant_implicit')
  await fx.admin.query(`CREATE TABLE audit_log (line text); GRANT INSERT, SELECT ON audit_log TO ${fx.role}`)
})

afterAll(async () => {
  await fx?.destroy()
})

describe.each([false, true])('db.query in one implicit transaction, pg pipeline: %s', (pipeline) => {
  it('leaves no tenant and no open transaction on the connection: 1000 calls, errors included', {
    timeout: 120_000,
  }, async () => {
    const app = new pg.Pool({ connectionString: fx.appUrl, max: 1, pipeline })
    try {
      await runQueryLeak({ admin: fx.admin, app })
    } finally {
      await app.end()
    }
  })

  it('commits a write at the Sync, and rolls back a failing one', async () => {
    const app = new pg.Pool({ connectionString: fx.appUrl, max: 1, pipeline })
    try {
      const db = createTenantDb({ pool: app })
      const tenant = `w${pipeline ? 1 : 0}`
      await db.query(tenant, 'INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ($1, 1, $2)', [
        tenant,
        'kept',
      ])
      await expect(
        db.query(
          tenant,
          'INSERT INTO suppliers (restaurant_id, poster_id, name) SELECT $1, 2, (1 / 0)::text',
          [tenant],
        ),
      ).rejects.toMatchObject({ code: '22012' })
      const { rows } = await fx.admin.query('SELECT poster_id FROM suppliers WHERE restaurant_id = $1', [
        tenant,
      ])
      expect(rows).toEqual([{ poster_id: 1 }])
    } finally {
      await app.end()
    }
  })

  it('when set_config fails, the statement behind it never runs', async () => {
    const app = new pg.Pool({ connectionString: fx.appUrl, max: 1, pipeline })
    try {
      // Once plpgsql is loaded, its prefix is reserved: set_config('plpgsql.tenant', ...) fails.
      await app.query('DO $$ BEGIN END $$')
      const db = createTenantDb({ pool: app, setting: 'plpgsql.tenant' })
      await expect(db.query('t', "INSERT INTO audit_log VALUES ('never')")).rejects.toThrow(
        /invalid configuration parameter/,
      )
      const { rows } = await fx.admin.query("SELECT count(*)::int AS n FROM audit_log WHERE line = 'never'")
      expect(rows[0].n).toBe(0)
      const client = await app.connect()
      try {
        expect(client.getTransactionStatus()).toBe('I')
      } finally {
        client.release()
      }
    } finally {
      await app.end()
    }
  })

  it('inside a transaction block someone left open, falls back to BEGIN / COMMIT semantics', async () => {
    const app = new pg.Pool({ connectionString: fx.appUrl, max: 1, pipeline })
    try {
      const db = createTenantDb({ pool: app })
      await db.verifyRole()
      const client = await app.connect()
      await client.query('BEGIN')
      client.release() // a bug in someone else's code: back in the pool mid-transaction
      const { rows } = await db.query<{ t: string }>('x', "SELECT current_setting('app.current_tenant') AS t")
      expect(rows).toEqual([{ t: 'x' }])
      const after = await app.query("SELECT current_setting('app.current_tenant', true) AS t")
      expect(after.rows[0].t ?? '').toBe('')
    } finally {
      await app.end()
    }
  })
})
