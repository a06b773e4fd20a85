import { randomBytes } from 'node:crypto'
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '@rc/test-services'
import pg from 'pg'

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

export async function createTenantFixture(label: string): Promise<TenantFixture> {
  const db = await createTestDatabase(label)
  const admin = new pg.Pool({ connectionString: db.url, max: 3 })
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
      await db.drop()
      const root = new pg.Client({ connectionString: TEST_PG_URL })
      await root.connect()
      try {
        for (const r of roles) await root.query(`DROP ROLE IF EXISTS ${r}`)
      } finally {
        await root.end()
      }
    },
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
