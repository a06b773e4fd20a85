import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type PgBouncer, startPgBouncer, type TestDatabase } from '../src/index'

let db: TestDatabase
let bouncer: PgBouncer

beforeAll(async () => {
  db = await createTestDatabase('bouncer_helper')
  bouncer = await startPgBouncer({ target: db.url, users: ['postgres'], poolSize: 2, maxClients: 20 })
})

afterAll(async () => {
  await bouncer?.stop()
  await db?.drop()
})

const through = (database: string) => `postgres://postgres@127.0.0.1:${bouncer.port}/${database}`

describe('startPgBouncer', () => {
  it('pools clients onto at most poolSize server connections, and its admin console reports them', {
    timeout: 30_000,
  }, async () => {
    const pool = new pg.Pool({ connectionString: through(db.name), max: 6 })
    const admin = new pg.Client({ connectionString: through('pgbouncer') })
    try {
      // Six transactions at once, each holding its server connection for a moment.
      const pids = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const { rows } = await pool.query('SELECT pg_backend_pid() AS pid, pg_sleep(0.2)')
          return rows[0].pid as number
        }),
      )
      expect(new Set(pids).size).toBeLessThanOrEqual(2)
      await admin.connect()
      const { rows } = await admin.query('SHOW SERVERS')
      const servers = rows.filter((r) => r.database === db.name)
      expect(servers.length).toBeGreaterThan(0)
      expect(servers.length).toBeLessThanOrEqual(2)
      // The bench reads backends' CPU through remote_pid: it names the PostgreSQL backends.
      expect(pids).toContain(Number(servers[0].remote_pid))
    } finally {
      await admin.end().catch(() => {})
      await pool.end()
    }
  })
})
