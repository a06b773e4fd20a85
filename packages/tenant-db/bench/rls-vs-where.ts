import pg from 'pg'
import { sequentialRounds } from './rounds'
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
    // Session-level, on this dedicated benchmark connection only (never on a pooled one).
    const setTenant = (t: number) =>
      app.query("SELECT set_config('app.current_tenant', $1, false)", [String(t)])
    await setTenant(1)
    const rlsPlan = (await app.query(`EXPLAIN ${rls}`)).rows.map((r) => r['QUERY PLAN']).join('\n')
    const wherePlan = (await owner.query(`EXPLAIN ${where.replace('$1', '1')}`)).rows
      .map((r) => r['QUERY PLAN'])
      .join('\n')
    // Each sample times the query alone; choosing the tenant happens outside the timer.
    const timed = async (before: () => Promise<unknown>, run: () => Promise<unknown>) => {
      await before()
      const start = performance.now()
      await run()
      return { overriddenDuration: performance.now() - start }
    }
    let n = 0
    let m = 0
    let tenant = 1
    const results = await sequentialRounds(
      [
        [
          'RLS policy only',
          () =>
            timed(
              () => setTenant(1 + (n++ % TENANTS)),
              () => app.query(rls),
            ),
        ],
        [
          'explicit WHERE restaurant_id = $1',
          () =>
            timed(
              async () => {
                tenant = 1 + (m++ % TENANTS)
              },
              () => owner.query(where, [tenant]),
            ),
        ],
      ],
      8,
      500,
    )
    return [...results].map(([name, r]) => ({
      name,
      p50: r.p50,
      p99: r.p99,
      mean: r.mean,
      plan: name.startsWith('RLS') ? rlsPlan : wherePlan,
    }))
  } finally {
    await app.end()
    await owner.end()
  }
}
