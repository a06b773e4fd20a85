import type { QueryPool } from '../infra/database'

export type SyncEventKind = 'started' | 'done' | 'failed' | 'retrying' | 'token'

/** `control.sync_events`: each restaurant's sync history, written by the jobs as the app role. */
export function createSyncEventRepository(pool: QueryPool) {
  return {
    async record(
      restaurantId: string,
      jobId: string | null,
      kind: SyncEventKind,
      message: string | null = null,
    ) {
      await pool.query(
        'INSERT INTO control.sync_events (restaurant_id, job_id, kind, message) VALUES ($1, $2, $3, $4)',
        [restaurantId, jobId, kind, message?.slice(0, 2_000) ?? null],
      )
    },
    /** Failed attempts per restaurant in the last `hours`. */
    async errorCounts(hours = 24): Promise<Record<string, number>> {
      const { rows } = await pool.query<{ restaurant_id: string; n: number }>(
        `SELECT restaurant_id, count(*)::int AS n FROM control.sync_events
         WHERE kind = 'failed' AND at > now() - make_interval(hours => $1) GROUP BY restaurant_id`,
        [hours],
      )
      return Object.fromEntries(rows.map((r) => [r.restaurant_id, r.n]))
    },
    async recent(restaurantId: string, limit = 20) {
      const { rows } = await pool.query<{
        jobId: string | null
        kind: SyncEventKind
        message: string | null
        at: Date
      }>(
        `SELECT job_id AS "jobId", kind, message, at FROM control.sync_events
         WHERE restaurant_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
        [restaurantId, limit],
      )
      return rows
    },
  }
}

export type SyncEventRepository = ReturnType<typeof createSyncEventRepository>
