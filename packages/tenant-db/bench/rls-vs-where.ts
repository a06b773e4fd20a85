import pg from 'pg'
import { Bench } from 'tinybench'
import type { BenchDatabase } from './setup'
import { seedTable } from './setup'

const ROWS = 1_000_000
const TENANTS = 1_000

export interface RlsRow {
  name: string
  p50: number
  p99: number
  mean: number
  plan: string
}

/**
 * The same aggregate over one tenant's ~1,000 rows of 1,000,000: filtered by
 * the RLS policy alone (app role, tenant set) vs an explicit
 * `WHERE restaurant_id = $1` (table owner, RLS not applied). Each side keeps
 * one dedicated connection so only the query itself is timed.
 */
export async function benchRlsVsWhere(bench: BenchDatabase): Promise<RlsRow[]> {
  await seedTable(bench, 'events', ROWS, TENANTS)
  const app = new pg.Client({ connectionString: bench.appUrl })
  const owner = new pg.Client({ connectionString: bench.db.url })
  await app.connect()
  await owner.connect()
  try {
    const rls = 'SELECT count(*), sum(amount) FROM events'
    const where = 'SELECT count(*), sum(amount) FROM events WHERE restaurant_id = $1'
    // Session-level on this dedicated benchmark connection only, so each sample is one round trip.
    const setTenant = (t: number) =>
      app.query("SELECT set_config('app.current_tenant', $1, false)", [String(t)])
    await setTenant(1)
    const rlsPlan = (await app.query(`EXPLAIN ${rls}`)).rows.map((r) => r['QUERY PLAN']).join('\n')
    const wherePlan = (await owner.query(`EXPLAIN ${where.replace('$1', '1')}`)).rows
      .map((r) => r['QUERY PLAN'])
      .join('\n')
    const b = new Bench({ time: 4000, warmupTime: 500 })
    // Only the query is timed (overriddenDuration): choosing the tenant is not part of it.
    const timed = async (run: () => Promise<unknown>) => {
      const start = performance.now()
      await run()
      return { overriddenDuration: performance.now() - start }
    }
    let n = 0
    b.add('RLS policy only', async () => {
      await setTenant(1 + (n++ % TENANTS))
      return timed(() => app.query(rls))
    })
    let m = 0
    b.add('explicit WHERE restaurant_id = $1', async () => {
      const tenant = 1 + (m++ % TENANTS)
      return timed(() => owner.query(where, [tenant]))
    })
    await b.run()
    return b.tasks.map((task) => {
      const r = task.result
      if (r.state !== 'completed') throw new Error(`${task.name} did not complete: ${r.state}`)
      return {
        name: task.name,
        p50: r.latency.p50,
        p99: r.latency.p99,
        mean: r.latency.mean,
        plan: task.name.startsWith('RLS') ? rlsPlan : wherePlan,
      }
    })
  } finally {
    await app.end()
    await owner.end()
  }
}
