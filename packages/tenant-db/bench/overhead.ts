import pg from 'pg'
import { createTenantDb } from '../src/index'
import { concurrentRounds, sequentialRounds, type Task } from './rounds'
import { type BenchDatabase, seedTable } from './setup'

const TENANTS = 100
const ROUNDS = 6
const ROUND_MS = 500

export interface OverheadRow {
  name: string
  concurrency: number
  p50: number
  p99: number
  opsPerSec: number
  roundTrips: number
}

const ROUND_TRIPS: Record<string, number> = {
  'raw pool.query': 1,
  'db.query (implicit transaction)': 1,
  'db.query, pipeline: true': 1,
  'withTenant + 1 query': 2,
}

/**
 * `db.query` (one implicit transaction), and `withTenant` + one point query, vs the same query (with an
 * explicit tenant filter) on a raw pooled client, at 1 caller and 16
 * concurrent callers, each with a pool as large as the concurrency; the tenant
 * side with a default pool and with `pipeline: true`.
 */
export async function benchOverhead(bench: BenchDatabase): Promise<OverheadRow[]> {
  await seedTable(bench, 'suppliers', 10_000, TENANTS)
  const rows: OverheadRow[] = []
  for (const concurrency of [1, 16]) {
    const app = new pg.Pool({ connectionString: bench.appUrl, max: concurrency })
    const piped = new pg.Pool({ connectionString: bench.appUrl, max: concurrency, pipeline: true })
    const raw = new pg.Pool({ connectionString: bench.db.url, max: concurrency })
    const db = createTenantDb({ pool: app })
    const dbPiped = createTenantDb({ pool: piped })
    const pick = () => {
      const tenant = 1 + Math.floor(Math.random() * TENANTS)
      return { tenant, id: tenant + TENANTS * Math.floor(Math.random() * 99) }
    }
    const point = 'SELECT * FROM suppliers WHERE id = $1'
    const tasks: Task[] = [
      [
        'raw pool.query',
        () => {
          const { tenant, id } = pick()
          return raw.query('SELECT * FROM suppliers WHERE restaurant_id = $1 AND id = $2', [tenant, id])
        },
      ],
      [
        'db.query (implicit transaction)',
        () => {
          const { tenant, id } = pick()
          return db.query(String(tenant), point, [id])
        },
      ],
      [
        'db.query, pipeline: true',
        () => {
          const { tenant, id } = pick()
          return dbPiped.query(String(tenant), point, [id])
        },
      ],
      [
        'withTenant + 1 query',
        () => {
          const { tenant, id } = pick()
          return db.withTenant(String(tenant), (tx) => tx.query(point, [id]))
        },
      ],
    ]
    const results =
      concurrency === 1
        ? await sequentialRounds(tasks, ROUNDS, ROUND_MS)
        : await concurrentRounds(tasks, concurrency, ROUNDS, ROUND_MS)
    for (const [name, r] of results) {
      rows.push({
        name,
        concurrency,
        p50: r.p50,
        p99: r.p99,
        opsPerSec: r.opsPerSec,
        roundTrips: ROUND_TRIPS[name]!,
      })
    }
    await app.end()
    await piped.end()
    await raw.end()
  }
  return rows
}
