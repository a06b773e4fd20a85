import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createTenantDb, TenantNestingError, TenantTxClosedError } from '../src/index'
import { countingPool } from './support/counting-pool'
import { createSuppliersFixture, type TenantFixture } from './support/database'
import { countRoundTrips } from './support/flights'

let fx: TenantFixture
let pool: pg.Pool
/** One connection, so every call provably reuses the same backend. */
let single: pg.Pool

beforeAll(async () => {
  fx = await createSuppliersFixture('tenant_with')
  pool = new pg.Pool({ connectionString: fx.appUrl, max: 3 })
  single = new pg.Pool({ connectionString: fx.appUrl, max: 1 })
})

afterAll(async () => {
  await pool?.end()
  await single?.end()
  await fx?.destroy()
})

const settingNow = async (p: pg.Pool) =>
  (await p.query("SELECT current_setting('app.current_tenant', true) AS t, pg_backend_pid() AS pid"))
    .rows[0] as {
    t: string | null
    pid: number
  }

describe('withTenant', () => {
  it('runs fn in one transaction with the tenant set, and commits', async () => {
    const db = createTenantDb({ pool })
    const seen = await db.withTenant('245580', async (tx) => {
      const a = await tx.query<{ x: string; t: string }>(
        "SELECT txid_current()::text AS x, current_setting('app.current_tenant') AS t",
      )
      await tx.query("INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ('245580', 1, 'Metro')")
      const b = await tx.query<{ x: string }>('SELECT txid_current()::text AS x')
      return { a: a.rows[0]!, b: b.rows[0]! }
    })
    expect(seen.a.t).toBe('245580')
    expect(seen.b.x).toBe(seen.a.x)
    const { rows } = await fx.admin.query("SELECT name FROM suppliers WHERE restaurant_id = '245580'")
    expect(rows).toEqual([{ name: 'Metro' }])
  })

  it('through a pool that is not node-postgres: N + 2 round trips, BEGIN and the tenant in one message', async () => {
    const counted = countingPool(pool)
    const db = createTenantDb({ pool: counted })
    // The start guard's one query, on the first connection only.
    await db.verifyRole()
    counted.reset()
    await db.withTenant('r1', async (tx) => {
      await tx.query('SELECT 1')
      await tx.query('SELECT 2')
      await tx.query('SELECT 3')
    })
    expect(counted.queries).toEqual([
      "BEGIN; SET LOCAL app.current_tenant = 'r1'",
      'SELECT 1',
      'SELECT 2',
      'SELECT 3',
      'COMMIT',
    ])
    counted.reset()
    // A client that is not node-postgres's own (this wrapper) gets BEGIN / COMMIT around one statement.
    await db.query('r1', 'SELECT 1')
    expect(counted.queries).toEqual(["BEGIN; SET LOCAL app.current_tenant = 'r1'", 'SELECT 1', 'COMMIT'])
  })

  it('measured on the wire: N + 1 round trips for withTenant (BEGIN rides with the first query), 1 for query()', async () => {
    for (const pipeline of [false, true]) {
      const wire = new pg.Pool({ connectionString: fx.appUrl, max: 1, pipeline })
      const counter = countRoundTrips(wire)
      try {
        await wire.query('SELECT 1')
        const db = createTenantDb({ pool: wire })
        await db.verifyRole()
        counter.trips = 0
        await db.withTenant('w', async (tx) => {
          await tx.query('SELECT $1::int', [1])
          await tx.query('SELECT 2')
          await tx.query('SELECT 3')
        })
        expect(counter.trips).toBe(4)
        counter.trips = 0
        const one = await db.query<{ t: string }>('w', "SELECT current_setting('app.current_tenant') AS t")
        expect(one.rows).toEqual([{ t: 'w' }])
        expect(counter.trips).toBe(1)
        counter.trips = 0
        expect(await db.withTenant('w', async () => 'nothing sent')).toBe('nothing sent')
        expect(counter.trips).toBe(0)
      } finally {
        await wire.end()
      }
    }
  })

  it('with pipeline: true, a failing query() rolls back and leaves a clean connection', async () => {
    const wire = new pg.Pool({ connectionString: fx.appUrl, max: 1, pipeline: true })
    try {
      const db = createTenantDb({ pool: wire })
      await expect(db.query('p', 'SELECT 1 / 0')).rejects.toMatchObject({ code: '22012' })
      await expect(
        db.query('p', "INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ('other', 1, 'x')"),
      ).rejects.toMatchObject({ code: '42501' })
      const client = await wire.connect()
      try {
        const { rows } = await client.query("SELECT current_setting('app.current_tenant', true) AS t")
        expect(rows).toEqual([{ t: '' }])
        expect(client.getTransactionStatus()).toBe('I')
      } finally {
        client.release()
      }
      await db.query('p', "INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ('p', 1, 'kept')")
      const { rows } = await fx.admin.query("SELECT name FROM suppliers WHERE restaurant_id = 'p'")
      expect(rows).toEqual([{ name: 'kept' }])
    } finally {
      await wire.end()
    }
  })

  it('when setting the tenant fails, the pipelined query is refused, not run without a transaction', async () => {
    await fx.admin.query(
      `CREATE TABLE audit_log (line text); GRANT INSERT, SELECT ON audit_log TO ${fx.role}`,
    )
    const wire = new pg.Pool({ connectionString: fx.appUrl, max: 1, pipeline: true })
    try {
      // Once plpgsql is loaded, its prefix is reserved: SET LOCAL plpgsql.tenant fails on the server.
      await wire.query('DO $$ BEGIN END $$')
      const db = createTenantDb({ pool: wire, setting: 'plpgsql.tenant' })
      await expect(db.query('t', "INSERT INTO audit_log VALUES ('once')")).rejects.toThrow(
        /invalid configuration parameter/,
      )
      await expect(
        db.withTenant('t', (tx) => tx.query("INSERT INTO audit_log VALUES ('twice')")),
      ).rejects.toThrow(/invalid configuration parameter/)
      const { rows } = await fx.admin.query('SELECT count(*)::int AS n FROM audit_log')
      expect(rows[0].n).toBe(0)
    } finally {
      await wire.end()
    }
  })

  it('leaves no tenant on the connection after commit, rollback or a throw', async () => {
    const db = createTenantDb({ pool: single })
    const before = await settingNow(single)
    await db.withTenant('after-commit', (tx) => tx.query('SELECT 1'))
    expect(await settingNow(single)).toEqual({ t: '', pid: before.pid })

    await expect(
      db.withTenant('after-throw', async (tx) => {
        await tx.query('SELECT 1')
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await settingNow(single)).toEqual({ t: '', pid: before.pid })

    await expect(db.withTenant('after-sql-error', (tx) => tx.query('SELECT 1 / 0'))).rejects.toMatchObject({
      code: '22012',
    })
    expect(await settingNow(single)).toEqual({ t: '', pid: before.pid })
  })

  it('rolls back the writes of a callback that throws', async () => {
    const db = createTenantDb({ pool })
    await expect(
      db.withTenant('rollback', async (tx) => {
        await tx.query("INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ('rollback', 1, 'x')")
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    const { rows } = await fx.admin.query(
      "SELECT count(*)::int AS n FROM suppliers WHERE restaurant_id = 'rollback'",
    )
    expect(rows[0].n).toBe(0)
  })

  it('destroys the connection when ROLLBACK itself fails', async () => {
    const counted = countingPool(single)
    const db = createTenantDb({ pool: counted })
    const { pid } = await settingNow(single)
    const failed = db.withTenant('doomed', async (tx) => {
      await tx.query('SELECT 1')
      await fx.admin.query('SELECT pg_terminate_backend($1)', [pid])
      await tx.query('SELECT 1')
    })
    await expect(failed).rejects.toThrow()
    expect(counted.queries.at(-1)).toBe('ROLLBACK')
    expect(counted.releases).toHaveLength(1)
    expect(counted.releases[0]).toBeInstanceOf(Error)
    expect(single.totalCount).toBe(0)
    const next = await db.withTenant('next', (tx) =>
      tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'),
    )
    expect(next.rows[0]!.pid).not.toBe(pid)
  })

  it('survives the server dropping a checked-out connection (no unhandled error event)', async () => {
    const db = createTenantDb({ pool: single })
    const { pid } = await settingNow(single)
    await expect(
      db.withTenant('dropped', async (tx) => {
        await tx.query('SELECT 1')
        await fx.admin.query('SELECT pg_terminate_backend($1)', [pid])
        await new Promise((r) => setTimeout(r, 50))
        await tx.query('SELECT 1')
      }),
    ).rejects.toThrow()
    expect((await settingNow(single)).pid).not.toBe(pid)
  })

  it('rejects a nested withTenant for another tenant', async () => {
    const db = createTenantDb({ pool })
    const nested = db.withTenant('outer', async () => db.withTenant('inner', (tx) => tx.query('SELECT 1')))
    await expect(nested).rejects.toBeInstanceOf(TenantNestingError)
    await expect(nested).rejects.toMatchObject({
      code: 'TENANT_NESTED',
      tenantId: 'inner',
      outerTenantId: 'outer',
    })
  })

  it('reuses the open transaction for a nested call with the same tenant (no second connection)', async () => {
    const counted = countingPool(single)
    const db = createTenantDb({ pool: counted })
    const ids = await db.withTenant('same', async (tx) => {
      const outer = await tx.query<{ x: string }>('SELECT txid_current()::text AS x')
      const inner = await db.query<{ x: string }>('same', 'SELECT txid_current()::text AS x')
      const deeper = await db.withTenant('same', (t) =>
        t.query<{ x: string }>('SELECT txid_current()::text AS x'),
      )
      expect(db.currentTenant()).toBe('same')
      return [outer.rows[0]!.x, inner.rows[0]!.x, deeper.rows[0]!.x]
    })
    expect(new Set(ids).size).toBe(1)
    expect(counted.connects).toBe(1)
    expect(db.currentTenant()).toBeUndefined()
  })

  it('lets concurrent calls for different tenants run side by side', async () => {
    const db = createTenantDb({ pool })
    const read = (id: string) =>
      db.withTenant(id, async (tx) => {
        await tx.query('SELECT pg_sleep(0.02)')
        return (await tx.query<{ t: string }>("SELECT current_setting('app.current_tenant') AS t")).rows[0]!.t
      })
    expect(await Promise.all([read('a'), read('b'), read('c')])).toEqual(['a', 'b', 'c'])
  })

  it('refuses a tx used after its callback returned', async () => {
    const db = createTenantDb({ pool })
    const leaked = await db.withTenant('escape', async (tx) => tx)
    await expect(leaked.query('SELECT 1')).rejects.toBeInstanceOf(TenantTxClosedError)
    await expect(leaked.query('SELECT 1')).rejects.toMatchObject({ code: 'TENANT_TX_CLOSED' })
  })

  it('uses a custom setting name and tenant id schema', async () => {
    const db = createTenantDb({ pool, setting: 'rc.tenant', tenantId: z.uuid() })
    const id = '6f1c1d0e-8b7a-4c5e-9d3f-2a1b0c9d8e7f'
    const t = await db.query<{ t: string }>(id, "SELECT current_setting('rc.tenant') AS t")
    expect(t.rows[0]!.t).toBe(id)
    await expect(db.query('245580', 'SELECT 1')).rejects.toMatchObject({ code: 'TENANT_ID_INVALID' })
    expect(() => createTenantDb({ pool, setting: 'no_dot' })).toThrow(/setting/)
  })
})
