import { randomBytes } from 'node:crypto'
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '@rc/test-services'
import pg from 'pg'
import { applyTenantRls } from '../../src/migrate'

/**
 * A fresh database plus a random non-superuser app role. Roles are
 * cluster-wide, so every test file gets its own names and drops them.
 */
export interface TenantFixture {
  db: TestDatabase
  /** Superuser pool on the test database. */
  admin: pg.Pool
  /** The app role: LOGIN, no superuser, no BYPASSRLS, owns nothing. */
  role: string
  /** URL of the test database as the app role. */
  appUrl: string
  /** Extra roles a test creates with `createRole`; dropped with the fixture. */
  createRole(prefix: string, attributes?: string): Promise<string>
  destroy(): Promise<void>
}

export function randomName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`
}

export function urlAs(url: string, user: string, override: { port?: number } = {}): string {
  const u = new URL(url)
  u.username = user
  if (override.port !== undefined) u.port = String(override.port)
  return u.toString()
}

export async function createTenantFixture(
  label: string,
  options: { adminPoolSize?: number } = {},
): Promise<TenantFixture> {
  const db = await createTestDatabase(label)
  const admin = new pg.Pool({ connectionString: db.url, max: options.adminPoolSize ?? 3 })
  const roles: string[] = []
  const createRole = async (prefix: string, attributes = 'LOGIN NOSUPERUSER NOBYPASSRLS') => {
    const name = randomName(prefix)
    await admin.query(`CREATE ROLE ${name} ${attributes}`)
    roles.push(name)
    return name
  }
  const role = await createRole('rc_app')
  return {
    db,
    admin,
    role,
    appUrl: urlAs(db.url, role),
    createRole,
    async destroy() {
      for (const r of roles) await admin.query(`DROP OWNED BY ${r}`)
      await admin.end()
      const root = new pg.Client({ connectionString: TEST_PG_URL })
      await root.connect()
      try {
        // pg.Pool#end resolves before its sockets close; DROP DATABASE ... FORCE would then
        // kill a closing client whose error nobody listens to any more.
        await closed(root, db.name)
        await db.drop()
        for (const r of roles) await root.query(`DROP ROLE IF EXISTS ${r}`)
      } finally {
        await root.end()
      }
    },
  }
}

/** Waits (up to 5 s) until no session is connected to `database`. */
async function closed(root: pg.Client, database: string): Promise<void> {
  const deadline = Date.now() + 5_000
  while (Date.now() < deadline) {
    const { rows } = await root.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [
      database,
    ])
    if (rows[0].n === 0) return
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** The table the isolation tests use: what a Poster sync writes, keyed per restaurant. */
export const SUPPLIERS_SQL = `
  CREATE TABLE suppliers (
    restaurant_id text NOT NULL,
    poster_id integer NOT NULL,
    name text NOT NULL,
    version integer NOT NULL DEFAULT 0,
    PRIMARY KEY (restaurant_id, poster_id)
  )`

/** A fixture whose `suppliers` table (SUPPLIERS_SQL) is under tenant RLS for the app role. */
export async function createSuppliersFixture(label: string): Promise<TenantFixture> {
  const fx = await createTenantFixture(label)
  try {
    await fx.admin.query(SUPPLIERS_SQL)
    await applyTenantRls(fx.admin, { tables: ['suppliers'], column: 'restaurant_id', role: fx.role })
    return fx
  } catch (error) {
    await fx.destroy()
    throw error
  }
}
