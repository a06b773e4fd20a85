import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createTestDatabase, type TestDatabase } from '@rc/test-services'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrate, tenantTables } from '../src/infra/database'

const run = promisify(execFile)
// The published CLI as a user runs it: the package's `bin`, built by `pnpm build` (turbo builds before tests).
const PACKAGE = fileURLToPath(new URL('../node_modules/@rc/tenant-db/', import.meta.url))
const CLI = `${PACKAGE}${JSON.parse(readFileSync(`${PACKAGE}package.json`, 'utf8')).bin['rc-tenant-db']}`

let database: TestDatabase
let owner: pg.Pool

beforeAll(async () => {
  database = await createTestDatabase('app_audit')
  owner = new pg.Pool({ connectionString: database.url, max: 2 })
  await migrate(owner)
  await migrate(owner) // idempotent: a restart re-applies nothing and changes nothing
}, 60_000)

afterAll(async () => {
  await owner?.end()
  await database?.drop()
})

describe("the app's schema", () => {
  it('passes `rc-tenant-db audit` with no finding at all', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` first.`)
    const { stdout } = await run(process.execPath, [
      CLI,
      'audit',
      '--database-url',
      database.url,
      '--column',
      'restaurant_id',
      '--role',
      'rc_app',
      '--json',
    ])
    const report = JSON.parse(stdout)
    expect(report.findings).toEqual([])
  })

  it('protects every tenant table with forced RLS, and the app role cannot bypass it', async () => {
    const { rows } = await owner.query<{ relname: string; forced: boolean; enabled: boolean }>(
      `SELECT c.relname, c.relforcerowsecurity AS forced, c.relrowsecurity AS enabled FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'
         AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'restaurant_id')`,
    )
    expect(rows.map((r) => r.relname).sort()).toEqual([...tenantTables].sort())
    expect(rows.every((r) => r.enabled && r.forced)).toBe(true)
    const { rows: role } = await owner.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
      "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'rc_app'",
    )
    expect(role[0]).toEqual({ rolsuper: false, rolbypassrls: false })
  })

  it('fails closed: the app role sees no tenant row and can write none without a tenant set', async () => {
    await owner.query(
      `INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ('a', 1, 'A'), ('b', 1, 'B')`,
    )
    // A connection string wins over a separate `user` in pg: put the role in the URL.
    const url = new URL(database.url)
    url.username = 'rc_app'
    const app = new pg.Client({ connectionString: url.toString() })
    await app.connect()
    try {
      expect((await app.query('SELECT * FROM suppliers')).rows).toEqual([])
      await expect(
        app.query(`INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ('a', 2, 'X')`),
      ).rejects.toThrow(/row-level security/)
      await expect(
        app.query('INSERT INTO control.users (email, name, password_hash) VALUES ($1, $2, $3)', [
          'x@y.z',
          'x',
          'h',
        ]),
      ).rejects.toThrow(/permission denied/)
    } finally {
      await app.end()
    }
  })
})
