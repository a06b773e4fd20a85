import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTenantDb, TenantRoleError } from '../src/index'
import { pglitePool } from '../src/pglite'
import { countingPool } from './support/counting-pool'
import { createSuppliersFixture, type TenantFixture, urlAs } from './support/database'

let fx: TenantFixture
const pools: pg.Pool[] = []
const poolAs = (role: string) => {
  const pool = new pg.Pool({ connectionString: urlAs(fx.db.url, role), max: 2 })
  pools.push(pool)
  return pool
}

beforeAll(async () => {
  fx = await createSuppliersFixture('tenant_guard')
})

afterAll(async () => {
  for (const p of pools) await p.end()
  await fx?.destroy()
})

describe('the start guard', () => {
  it('refuses a superuser on the first connection, before any tenant query is sent', async () => {
    const counted = countingPool(fx.admin)
    const db = createTenantDb({ pool: counted })
    const error = await db.query('a', 'SELECT * FROM suppliers').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TenantRoleError)
    expect(error).toMatchObject({ code: 'TENANT_DB_PRIVILEGED_ROLE', role: 'postgres' })
    expect((error as Error).message).toMatch(/is a superuser.*NOSUPERUSER.*allowPrivilegedRole: true/)
    expect(counted.queries).toHaveLength(1) // the check itself
    // The verdict is kept: later calls fail the same way without asking again.
    await expect(db.withTenant('a', (tx) => tx.query('SELECT 1'))).rejects.toBeInstanceOf(TenantRoleError)
    await expect(db.runAsTenant('a', () => db.contextPool.query('SELECT 1'))).rejects.toBeInstanceOf(
      TenantRoleError,
    )
    expect(counted.queries).toHaveLength(1)
    expect(counted.releases.every((r) => r === undefined)).toBe(true)
  })

  it('refuses BYPASSRLS', async () => {
    const role = await fx.createRole('rc_bypass', 'LOGIN NOSUPERUSER BYPASSRLS')
    await fx.admin.query(`GRANT SELECT ON suppliers TO ${role}`)
    const db = createTenantDb({ pool: poolAs(role) })
    await expect(db.verifyRole()).rejects.toMatchObject({ reasons: ['has BYPASSRLS'] })
  })

  it('refuses a role that owns a tenant table, also through a role it inherits', async () => {
    const owner = await fx.createRole('rc_owner', 'NOLOGIN')
    const member = await fx.createRole('rc_member', 'LOGIN NOSUPERUSER NOBYPASSRLS')
    await fx.admin.query(`GRANT ${owner} TO ${member}`)
    await fx.admin.query(`CREATE TABLE owned (restaurant_id text NOT NULL)`)
    await fx.admin.query(`ALTER TABLE owned ENABLE ROW LEVEL SECURITY; ALTER TABLE owned OWNER TO ${owner}`)
    const db = createTenantDb({ pool: poolAs(member) })
    await expect(db.query('a', 'SELECT 1')).rejects.toMatchObject({
      code: 'TENANT_DB_PRIVILEGED_ROLE',
      reasons: ['owns the tenant tables public.owned'],
    })
  })

  it('lets a plain role through, and reports what it checked', async () => {
    const db = createTenantDb({ pool: poolAs(fx.role) })
    expect(await db.verifyRole()).toEqual({
      role: fx.role,
      superuser: false,
      bypassRls: false,
      ownedTables: [],
    })
    expect((await db.query('a', 'SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })

  it('allowPrivilegedRole: true switches it off', async () => {
    const db = createTenantDb({ pool: fx.admin, allowPrivilegedRole: true })
    expect((await db.query('a', 'SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    expect(await db.verifyRole()).toMatchObject({ superuser: true })
  })

  it('on PGlite: refuses the built-in superuser, accepts the pool that switches role', async () => {
    const lite = await PGlite.create()
    try {
      await lite.exec('CREATE ROLE lite_app NOLOGIN NOSUPERUSER NOBYPASSRLS')
      await expect(createTenantDb({ pool: pglitePool(lite) }).query('a', 'SELECT 1')).rejects.toBeInstanceOf(
        TenantRoleError,
      )
      const db = createTenantDb({ pool: pglitePool(lite, { role: 'lite_app' }) })
      expect((await db.verifyRole()).role).toBe('lite_app')
    } finally {
      await lite.close()
    }
  })
})
