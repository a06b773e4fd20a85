import { randomBytes } from 'node:crypto'
import { createTestDatabase, type TestDatabase } from '@rc/test-services'
import pg from 'pg'
import type { RedisTarget } from '../src/infra/redis'
import { createBullQueue } from '../src/jobs/bullmq-queue'
import type { JobHandlers, JobQueue } from '../src/jobs/queue'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The app's BullMQ queue (src/jobs/bullmq-queue.ts) on `target`, with handlers that record every run
 * in PostgreSQL (`job_runs`, one row per run, so a job BullMQ runs twice shows twice) and every tick
 * of the `sync-all` scheduler (`ticks`).
 */
export async function startJobRig(label: string, target: RedisTarget) {
  const database: TestDatabase = await createTestDatabase(`app_${label}`)
  const pool = new pg.Pool({ connectionString: database.url, max: 8 })
  await pool.query(`
    CREATE TABLE job_runs (job_id text NOT NULL, attempt int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE TABLE ticks (at timestamptz NOT NULL DEFAULT clock_timestamp());
  `)
  const record = async (id: string, attempt: number) => {
    // A job's work takes a while: a failover lands while some are active.
    await sleep(50)
    await pool.query('INSERT INTO job_runs (job_id, attempt) VALUES ($1, $2)', [id, attempt])
  }
  const handlers: JobHandlers = {
    sync: (_data, context) => record(context.id, context.attempt),
    syncAll: async () => {
      await pool.query('INSERT INTO ticks DEFAULT VALUES')
    },
    tokenCheck: async () => {},
    pushSupply: (_data, context) => record(context.id, context.attempt),
  }
  const prefix = `t-${label}-${randomBytes(4).toString('hex')}`
  const queue: JobQueue = createBullQueue({ redis: target, prefix })
  queue.startWorker(handlers, 4)
  await queue.startSchedules({ syncEveryMs: 1_000, tokenCheckEveryMs: 24 * 3600_000, checkEveryMs: 1_000 })

  /** Enqueues one job every `everyMs` until stopped; keeps the ids Redis acknowledged, and when. */
  function enqueueLoad(everyMs: number) {
    const acknowledged: string[] = []
    const ackedAt = new Map<string, number>()
    let refused = 0
    let n = 0
    const pending = new Set<Promise<void>>()
    const timer = setInterval(() => {
      const p = queue
        .enqueueSync({ restaurantId: `r${n++}`, reason: 'manual' })
        .then(
          (r) => {
            acknowledged.push(r.id)
            ackedAt.set(r.id, Date.now())
          },
          () => {
            refused++
          },
        )
        .finally(() => pending.delete(p))
      pending.add(p)
    }, everyMs)
    return {
      acknowledged,
      /** Acknowledged before `at` (the failover began), and from then on. */
      split(at: Date) {
        const before = acknowledged.filter((id) => ackedAt.get(id)! < at.getTime())
        return { before, during: acknowledged.filter((id) => ackedAt.get(id)! >= at.getTime()) }
      },
      get refused() {
        return refused
      },
      async stop() {
        clearInterval(timer)
        await Promise.all(pending)
      },
    }
  }

  async function tally(acknowledged: string[]) {
    const runs = await pool.query<{ job_id: string; runs: number; attempts: number[]; ats: Date[] }>(
      'SELECT job_id, count(*)::int AS runs, array_agg(attempt ORDER BY at) AS attempts, array_agg(at ORDER BY at) AS ats FROM job_runs GROUP BY job_id',
    )
    const runsOf = new Map(runs.rows.map((r) => [r.job_id, r.runs]))
    const ackedSet = new Set(acknowledged)
    return {
      missing: acknowledged.filter((id) => !runsOf.has(id)),
      ranTwice: acknowledged.filter((id) => (runsOf.get(id) ?? 0) > 1),
      /** Attempt numbers and times of each job that ran more than once. */
      repeats: runs.rows
        .filter((r) => r.runs > 1)
        .map((r) => ({ id: r.job_id, attempts: r.attempts, ats: r.ats })),
      // Jobs whose add was refused (or timed out) yet reached Redis: they ran, unacknowledged.
      unacknowledgedRuns: [...runsOf.keys()].filter((id) => id.startsWith('sync-') && !ackedSet.has(id))
        .length,
    }
  }

  /**
   * Repeated jobs whose first run did not start around the failover (from 1 s before `failedAt` to
   * `promotedAt`): BullMQ runs a job again only when it stalled, i.e. was active when Redis failed.
   */
  function repeatsOutside(repeats: { ats: Date[] }[], failedAt: Date, promotedAt: Date) {
    return repeats.filter(
      (r) => r.ats[0]!.getTime() < failedAt.getTime() - 1_000 || r.ats[0]!.getTime() > promotedAt.getTime(),
    )
  }

  async function ticksSince(at: Date): Promise<number> {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ticks WHERE at > $1', [
      at,
    ])
    return rows[0]!.n
  }

  async function waitFor(
    check: () => Promise<boolean>,
    timeoutMs: number,
    what: string,
    explain: () => Promise<string> = async () => '',
  ) {
    const deadline = Date.now() + timeoutMs
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms${await explain()}`)
      await sleep(200)
    }
  }

  /** Waits until every acknowledged job has run; the error names the states of those that have not. */
  async function waitForAll(acknowledged: string[], timeoutMs: number) {
    await waitFor(
      async () => (await tally(acknowledged)).missing.length === 0,
      timeoutMs,
      'not every acknowledged job ran',
      async () => {
        const { missing } = await tally(acknowledged)
        const states = await Promise.all(missing.map(async (id) => (await queue.get(id))?.state ?? 'gone'))
        return `: ${missing.length} did not, in states ${JSON.stringify(states)}`
      },
    )
  }

  return {
    queue,
    prefix,
    waitForAll,
    enqueueLoad,
    tally,
    repeatsOutside,
    ticksSince,
    waitFor,
    async close() {
      await queue.close()
      await pool.end()
      await database.drop()
    },
  }
}
