import express from 'express'
import Fastify from 'fastify'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tenantContextMiddleware } from '../src/express'
import { tenantContextPlugin } from '../src/fastify'
import { createTenantDb, type TenantDb } from '../src/index'
import { createSuppliersFixture, type TenantFixture } from './support/database'

let fx: TenantFixture
let pool: pg.Pool
let db: TenantDb

beforeAll(async () => {
  fx = await createSuppliersFixture('tenant_hooks')
  pool = new pg.Pool({ connectionString: fx.appUrl, max: 4 })
  db = createTenantDb({ pool })
  await fx.admin.query(
    "INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ('a', 1, 'A1'), ('b', 1, 'B1'), ('b', 2, 'B2')",
  )
})

afterAll(async () => {
  await pool?.end()
  await fx?.destroy()
})

/** Repository code: no tenant argument anywhere. */
const listSuppliers = async () =>
  (await db.query<{ name: string }>('SELECT name FROM suppliers ORDER BY name')).rows.map((r) => r.name)

describe('@rc/tenant-db/fastify', () => {
  it('runs each handler in the context of the tenant its auth hook resolved', async () => {
    const app = Fastify()
    // The app's own auth, in an earlier hook; the plugin reads what it decided.
    app.addHook('onRequest', async (request) => {
      ;(request as { restaurant?: string }).restaurant = request.headers['x-restaurant'] as string | undefined
    })
    await app.register(tenantContextPlugin, {
      db,
      tenant: (request) => (request as { restaurant?: string }).restaurant,
    })
    app.get('/suppliers', async () => {
      await new Promise((r) => setTimeout(r, 5))
      return { tenant: db.currentTenant(), names: await listSuppliers() }
    })
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          app.inject({ url: '/suppliers', headers: { 'x-restaurant': i % 2 ? 'a' : 'b' } }),
        ),
      )
      results.forEach((res, i) => {
        expect(res.json()).toEqual(
          i % 2 ? { tenant: 'a', names: ['A1'] } : { tenant: 'b', names: ['B1', 'B2'] },
        )
      })
      const anonymous = await app.inject({ url: '/suppliers' })
      expect(anonymous.statusCode).toBe(500)
      expect(anonymous.json().code).toBe('TENANT_CONTEXT_MISSING')
      const hostile = await app.inject({ url: '/suppliers', headers: { 'x-restaurant': "a' OR '1'='1" } })
      expect(hostile.json().code).toBe('TENANT_ID_INVALID')
    } finally {
      await app.close()
    }
  })
})

describe('@rc/tenant-db/express', () => {
  it('runs the rest of the request in the context of the resolved tenant', async () => {
    const app = express()
    app.use((req, _res, next) => {
      ;(req as { restaurant?: string }).restaurant = req.get('x-restaurant')
      next()
    })
    app.use(tenantContextMiddleware({ db, tenant: (req) => (req as { restaurant?: string }).restaurant }))
    app.get('/suppliers', async (_req, res, next) => {
      try {
        res.json({ tenant: db.currentTenant(), names: await listSuppliers() })
      } catch (error) {
        next(error)
      }
    })
    app.use(
      (
        error: { code?: string },
        _req: express.Request,
        res: express.Response,
        _next: express.NextFunction,
      ) => {
        res.status(500).json({ code: error.code })
      },
    )
    const server = app.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    const port = (server.address() as { port: number }).port
    const get = async (tenant?: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/suppliers`, {
        headers: tenant ? { 'x-restaurant': tenant } : {},
      })
      return res.json()
    }
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => get(i % 2 ? 'a' : 'b')))
      results.forEach((body, i) => {
        expect(body).toEqual(i % 2 ? { tenant: 'a', names: ['A1'] } : { tenant: 'b', names: ['B1', 'B2'] })
      })
      expect(await get()).toEqual({ code: 'TENANT_CONTEXT_MISSING' })
    } finally {
      await new Promise((r) => server.close(r))
    }
  })
})
