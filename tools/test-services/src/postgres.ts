import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The machine's PostgreSQL (trust auth) and Redis, overridable for other setups. */
export const TEST_PG_URL = process.env.RC_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const TEST_REDIS_URL = process.env.RC_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export interface TestDatabase {
  readonly name: string
  readonly url: string
  /** Drop the database, closing whatever connections remain. */
  drop(): Promise<void>
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** A fresh database named `rc_<label>_<random>`, so test files can run in parallel. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 30)
  const name = `rc_${safe}_${randomBytes(4).toString('hex')}`
  await admin((c) => c.query(`CREATE DATABASE "${name}"`))
  const url = new URL(TEST_PG_URL)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop: () =>
      admin(async (c) => {
        // pg.Pool#end() resolves before its sockets close; FORCE would then kill a
        // closing client, which surfaces as an unhandled 57P01 in the test run.
        for (let waited = 0; waited < 5_000; waited += 50) {
          const { rows } = await c.query(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
            [name],
          )
          if (rows[0].n === 0) break
          await new Promise((r) => setTimeout(r, 50))
        }
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      }),
  }
}
