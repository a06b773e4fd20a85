import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTenantDb, TenantContextMissingError, TenantNestingError } from '../src/index'
import { countingPool } from './support/counting-pool'
import { createSuppliersFixture, type TenantFixture } from './support/database'

let fx: TenantFixture
let pool: pg.Pool

beforeAll(async () => {
  fx = await createSuppliersFixture('tenant_context')
  pool = new pg.Pool({ connectionString: fx.appUrl, max: 4 })
  await fx.admin.query(
    "INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ('a', 1, 'A1'), ('b', 1, 'B1'), ('b', 2, 'B2')",
  )
})

afterAll(async () => {
  await pool?.end()
  await fx?.destroy()
})

const names = (rows: { name: string }[]) => rows.map((r) => r.name).sort()

describe('runAsTenant', () => {
  it('lets code inside query without a tenant argument, and only sees that tenant', async () => {
    const db = createTenantDb({ pool })
    const listSuppliers = async () =>
      names((await db.query<{ name: string }>('SELECT name FROM suppliers')).rows)
    expect(await db.runAsTenant('a', listSuppliers)).toEqual(['A1'])
    expect(await db.runAsTenant('b', listSuppliers)).toEqual(['B1', 'B2'])
    expect(await db.runAsTenant('b', () => db.currentTenant())).toBe('b')
    expect(db.currentTenant()).toBeUndefined()
  })

  it('fails closed outside any context, before taking a connection', async () => {
    const counted = countingPool(pool)
    const db = createTenantDb({ pool: counted })
    await expect(db.query('SELECT name FROM suppliers')).rejects.toBeInstanceOf(TenantContextMissingError)
    await expect(db.query('SELECT 1', [])).rejects.toMatchObject({ code: 'TENANT_CONTEXT_MISSING' })
    await expect(db.withTenant(async (tx) => tx.query('SELECT 1'))).rejects.toMatchObject({
      code: 'TENANT_CONTEXT_MISSING',
    })
    expect(counted.connects).toBe(0)
  })

  it('throws for a nested context of another tenant, and reuses the same tenant', async () => {
    const db = createTenantDb({ pool })
    await expect(db.runAsTenant('a', () => db.runAsTenant('b', () => 1))).rejects.toBeInstanceOf(
      TenantNestingError,
    )
    await expect(
      db.runAsTenant('a', () => db.withTenant('b', (tx) => tx.query('SELECT 1'))),
    ).rejects.toMatchObject({ code: 'TENANT_NESTED', outerTenantId: 'a', tenantId: 'b' })
    await expect(db.runAsTenant('a', () => db.query('b', 'SELECT 1'))).rejects.toBeInstanceOf(
      TenantNestingError,
    )
    expect(await db.runAsTenant('a', () => db.runAsTenant('a', () => db.currentTenant()))).toBe('a')
  })

  it('runs withTenant(fn) and db.query inside it in one transaction of the context tenant', async () => {
    const counted = countingPool(pool)
    const db = createTenantDb({ pool: counted })
    const ids = await db.runAsTenant('b', () =>
      db.withTenant(async (tx) => {
        const outer = await tx.query<{ x: string }>('SELECT txid_current()::text AS x')
        const inner = await db.query<{ x: string }>('SELECT txid_current()::text AS x')
        return [outer.rows[0]!.x, inner.rows[0]!.x]
      }),
    )
    expect(new Set(ids).size).toBe(1)
    expect(counted.connects).toBe(1)
  })

  it('keeps 200 interleaved request contexts apart', async () => {
    const db = createTenantDb({ pool })
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const tenant = i % 2 ? 'a' : 'b'
        return db.runAsTenant(tenant, async () => {
          await new Promise((r) => setTimeout(r, i % 7))
          const { rows } = await db.query<{ t: string; name: string }>(
            "SELECT current_setting('app.current_tenant') AS t, name FROM suppliers",
          )
          return { tenant, seen: rows.map((r) => r.t), count: rows.length }
        })
      }),
    )
    for (const r of results) {
      expect(r.seen.every((t) => t === r.tenant)).toBe(true)
      expect(r.count).toBe(r.tenant === 'a' ? 1 : 2)
    }
  })
})

describe('one context per process', () => {
  it('a second copy of the module sees the context the first one set', async () => {
    const first = await import('../src/index')
    vi.resetModules()
    const second = await import('../src/index')
    expect(second.createTenantDb).not.toBe(first.createTenantDb)
    const dbA = first.createTenantDb({ pool })
    const dbB = second.createTenantDb({ pool })
    const seen = await dbA.runAsTenant('b', async () => {
      const { rows } = await dbB.query<{ name: string }>('SELECT name FROM suppliers')
      return { tenant: dbB.currentTenant(), names: names(rows) }
    })
    expect(seen).toEqual({ tenant: 'b', names: ['B1', 'B2'] })
    await expect(dbA.runAsTenant('a', () => dbB.runAsTenant('b', () => 1))).rejects.toMatchObject({
      code: 'TENANT_NESTED',
    })
  })

  it('the ESM and the CJS builds loaded in one process share it', { timeout: 120_000 }, async () => {
    // Inside the package, so that the built files resolve pg and zod from its node_modules.
    const cache = join(import.meta.dirname, '../node_modules/.cache')
    mkdirSync(cache, { recursive: true })
    const out = mkdtempSync(join(cache, 'rc-dual-'))
    try {
      const { build } = await import('tsup')
      await build({
        entry: { index: join(import.meta.dirname, '../src/index.ts') },
        format: ['esm', 'cjs'],
        outDir: out,
        dts: false,
        silent: true,
        noExternal: ['@rc/internal'],
        external: ['zod'],
        config: false,
        esbuildOptions(options) {
          // Workspace packages (@rc/internal) resolve to their sources, as everywhere in the tests.
          options.conditions = ['@rc/source']
        },
      })
      const script = join(out, 'dual.mjs')
      writeFileSync(
        script,
        `import { createRequire } from 'node:module'
import pg from 'pg'
import * as esm from './index.js'
const cjs = createRequire(import.meta.url)('./index.cjs')
if (esm.createTenantDb === cjs.createTenantDb) throw new Error('one copy only')
const pool = new pg.Pool({ connectionString: process.env.APP_URL, max: 2 })
const a = esm.createTenantDb({ pool })
const b = cjs.createTenantDb({ pool })
const seen = await a.runAsTenant('b', async () => (await b.query('SELECT name FROM suppliers ORDER BY name')).rows.map((r) => r.name))
let nested = 'none'
await a.runAsTenant('a', () => b.runAsTenant('b', () => 1)).catch((e) => { nested = e.code })
await pool.end()
console.log(JSON.stringify({ seen, nested }))
`,
      )
      const output = execFileSync(process.execPath, [script], {
        env: { ...process.env, APP_URL: fx.appUrl },
      }).toString()
      expect(JSON.parse(output)).toEqual({ seen: ['B1', 'B2'], nested: 'TENANT_NESTED' })
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})
