import pg from 'pg'
import { Bench } from 'tinybench'
import { createTenantDb } from '../src/index'
import { closedLoop } from './closed-loop'
import { type BenchDatabase, seedTable } from './setup'

const TENANTS = 100
const TIME_MS = 3000

export interface OverheadRow {
  name: string
  concurrency: number
  p50: number
  p99: number
  opsPerSec: number
  roundTrips: number
}

/**
 * `withTenant` + one point query (`db.query`) vs the same query (with an
 * explicit tenant filter) on a raw pooled client, at 1 caller (tinybench) and
 * 16 concurrent callers (closed loop), each with a pool as large as the
 * concurrency; the tenant side with a default pool and with `pipeline: true`.
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
    const tasks: [string, number, () => Promise<unknown>][] = [
      [
        'raw pool.query',
        1,
        () => {
          const { tenant, id } = pick()
          return raw.query('SELECT * FROM suppliers WHERE restaurant_id = $1 AND id = $2', [tenant, id])
        },
      ],
      [
        'withTenant + 1 query',
        3,
        () => {
          const { tenant, id } = pick()
          return db.query(String(tenant), 'SELECT * FROM suppliers WHERE id = $1', [id])
        },
      ],
      [
        'withTenant + 1 query, pipeline: true',
        1,
        () => {
          const { tenant, id } = pick()
          return dbPiped.query(String(tenant), 'SELECT * FROM suppliers WHERE id = $1', [id])
        },
      ],
    ]
    if (concurrency === 1) {
      const b = new Bench({ time: TIME_MS, warmupTime: 300 })
      for (const [name, , fn] of tasks) b.add(name, fn)
      await b.run()
      for (const [i, task] of b.tasks.entries()) {
        const r = task.result
        if (r.state !== 'completed') throw new Error(`${task.name} did not complete: ${r.state}`)
        const opsPerSec = 1000 / r.latency.mean
        rows.push({
          name: task.name,
          concurrency,
          p50: r.latency.p50,
          p99: r.latency.p99,
          opsPerSec,
          roundTrips: tasks[i]![1],
        })
      }
    } else {
      for (const [name, roundTrips, fn] of tasks) {
        rows.push({ name, concurrency, roundTrips, ...(await closedLoop(concurrency, TIME_MS, fn)) })
      }
    }
    await app.end()
    await piped.end()
    await raw.end()
  }
  return rows
}
