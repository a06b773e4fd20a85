import { randomBytes } from 'node:crypto'
import { recordTraces, type TraceRecorder, trace, tracer } from '@rc/internal'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTenantDb, tenantDbChannels } from '../src/index'
import { createSuppliersFixture, type TenantFixture } from './support/database'

let fx: TenantFixture
let pool: pg.Pool
let rec: TraceRecorder
// Parameter values that must never reach a subscriber.
const SECRET = `secret-${randomBytes(6).toString('hex')}`
const names = [...Object.values(tenantDbChannels), 'rc:test:parent']

beforeAll(async () => {
  fx = await createSuppliersFixture('tenant_tracing')
  pool = new pg.Pool({ connectionString: fx.appUrl, max: 3 })
})
afterAll(async () => {
  await pool?.end()
  await fx?.destroy()
})
beforeEach(() => {
  rec = recordTraces(names)
})
afterEach(() => {
  // Whatever a test sent, no context carried a parameter value (errors included).
  expect(rec.serialized()).not.toContain(SECRET)
  rec.stop()
})

const insert = 'INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ($1, $2, $3)'

describe('tenant-db tracing channels', () => {
  it('withTenant and its queries: tenant, SQL text as given, operation, database, rowCount; queries nest', async () => {
    const db = createTenantDb({ pool })
    await db.withTenant('245580', async (tx) => {
      await tx.query(insert, ['245580', 1, `Metro ${SECRET}`])
      await db.query('/* list */ SELECT name FROM suppliers WHERE name <> $1', [SECRET])
    })
    const [tx] = rec.contexts(tenantDbChannels.withTenant)
    const [ins, sel] = rec.contexts(tenantDbChannels.query)
    const database = fx.db.url.split('/').pop()
    expect(tx).toMatchObject({ tenantId: '245580', database })
    expect(rec.eventsOf(tx!)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
    expect(tx!.result).toBeUndefined()
    expect(ins).toMatchObject({
      tenantId: '245580',
      text: insert,
      operation: 'INSERT',
      database,
      rowCount: 1,
    })
    expect(sel).toMatchObject({ operation: 'SELECT', rowCount: 1 })
    expect(sel!.text).toBe('/* list */ SELECT name FROM suppliers WHERE name <> $1')
    expect(ins).not.toHaveProperty('statementName')
    expect(rec.parentOf(ins!)?.context).toBe(tx)
    expect(rec.parentOf(sel!)?.context).toBe(tx)
    expect(rec.eventsOf(ins!)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
  })

  it('a query outside a transaction is one span; inside a traced parent it nests (as under a cache load)', async () => {
    const db = createTenantDb({ pool })
    const parent = tracer<{ name: string }>('rc:test:parent')
    await trace(parent, { name: 'load' }, async () => {
      await new Promise((r) => setTimeout(r, 1))
      await db.withTenant('245580', (tx) => tx.query('SELECT 1'))
      await db.query('245581', 'SELECT count(*) FROM suppliers')
    })
    const [outer] = rec.contexts('rc:test:parent')
    const [tx] = rec.contexts(tenantDbChannels.withTenant)
    const [inTx, single] = rec.contexts(tenantDbChannels.query)
    expect(rec.parentOf(tx!)?.context).toBe(outer)
    expect(rec.parentOf(inTx!)?.context).toBe(tx)
    expect(single).toMatchObject({ tenantId: '245581', operation: 'SELECT', rowCount: 1 })
    expect(rec.parentOf(single!)?.context).toBe(outer)
  })

  it('errors are published; a server error reaches subscribers without its text, the caller gets it whole', async () => {
    const db = createTenantDb({ pool })
    const failing = db.query('245580', 'SELECT $1::integer AS n', [SECRET])
    await expect(failing).rejects.toThrow(SECRET) // the server quotes the value: only the caller sees it
    const [q] = rec.contexts(tenantDbChannels.query)
    expect(rec.eventsOf(q!)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
    expect(q!.error).toMatchObject({ code: '22P02', message: expect.stringContaining('SQLSTATE 22P02') })

    rec.clear()
    const mine = new Error('business rule broken')
    await expect(
      db.withTenant('245580', async (tx) => {
        await tx.query('SELECT 1')
        throw mine
      }),
    ).rejects.toBe(mine)
    const [tx] = rec.contexts(tenantDbChannels.withTenant)
    expect(rec.eventsOf(tx!)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
    expect(tx!.error).toBe(mine)
  })

  it('user and role settings show on withTenant; a context pool client names its prepared statement', async () => {
    const db = createTenantDb({
      pool,
      settings: { tenant: 'app.current_tenant', user: 'app.user_id', role: 'app.role' },
      allowPrivilegedRole: false,
    })
    await db.withTenant({ tenant: '245580', user: 'u1', role: 'manager' }, (tx) => tx.query('SELECT 1'))
    expect(rec.contexts(tenantDbChannels.withTenant)[0]).toMatchObject({
      tenantId: '245580',
      user: 'u1',
      role: 'manager',
    })
    rec.clear()
    await db.runAsTenant('245580', async () => {
      const client = await db.contextPool.connect()
      try {
        await client.query({
          name: 'supplier-by-name',
          text: 'SELECT * FROM suppliers WHERE name = $1',
          values: [SECRET],
        })
      } finally {
        client.release()
      }
    })
    expect(rec.contexts(tenantDbChannels.query)[0]).toMatchObject({
      tenantId: '245580',
      statementName: 'supplier-by-name',
      text: 'SELECT * FROM suppliers WHERE name = $1',
      operation: 'SELECT',
      rowCount: 0,
    })
  })
})
