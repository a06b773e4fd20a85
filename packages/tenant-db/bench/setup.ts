import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '@rc/test-services'
import pg from 'pg'
import { applyTenantRls } from '../src/migrate'
import { closed, randomName, urlAs } from '../test/support/database'

/** A throwaway database with a random app role, dropped (role included) by `destroy`. */
export interface BenchDatabase {
  db: TestDatabase
  admin: pg.Pool
  role: string
  appUrl: string
  destroy(): Promise<void>
}

export async function benchDatabase(label: string): Promise<BenchDatabase> {
  const db = await createTestDatabase(label)
  const admin = new pg.Pool({ connectionString: db.url, max: 16 })
  const role = randomName('rc_bench')
  await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS`)
  return {
    db,
    admin,
    role,
    appUrl: urlAs(db.url, role),
    async destroy() {
      await admin.query(`DROP OWNED BY ${role}`)
      await admin.end()
      const root = new pg.Client({ connectionString: TEST_PG_URL })
      await root.connect()
      try {
        // pg.Pool#end resolves before its sockets close: let them go before DROP DATABASE ... FORCE.
        await closed(root, db.name)
        await db.drop()
        await root.query(`DROP ROLE IF EXISTS ${role}`)
      } finally {
        await root.end()
      }
    },
  }
}

/** `rows` rows spread over `tenants` tenants, indexed by tenant, under tenant RLS. */
export async function seedTable(
  bench: BenchDatabase,
  table: string,
  rows: number,
  tenants: number,
): Promise<void> {
  await bench.admin.query(`
    CREATE TABLE ${table} (restaurant_id bigint NOT NULL, id bigint NOT NULL, amount int NOT NULL,
                           PRIMARY KEY (restaurant_id, id));
    INSERT INTO ${table} SELECT (i % ${tenants}) + 1, i, i % 97 FROM generate_series(1, ${rows}) AS i;
    ANALYZE ${table};`)
  await applyTenantRls(bench.admin, { tables: [table], column: 'restaurant_id', role: bench.role })
}
