import type { QueryPool } from '../infra/database'

/** One recorded error, as the admin page shows it. */
export interface RecentError {
  at: Date
  kind: 'request' | 'job'
  /** The route (`GET /api/restaurants/:restaurantId/checklist`) or the job (`job sync`). */
  where: string
  message: string
  /** 32 hex: the OpenTelemetry trace's, else the one Sentry got. */
  traceId: string
  /** Sentry's event id; null without SENTRY_DSN. */
  sentryEventId: string | null
  userId: number | null
  jobId: string | null
}

export interface NewError extends Omit<RecentError, 'at'> {
  restaurantId: string | null
}

/** Kept per restaurant (and for errors tied to none): the admin page shows the newest. */
export const KEEP_PER_RESTAURANT = 20
const KEEP_DAYS = 30
const COLUMNS = `at, kind, location AS "where", message, trace_id AS "traceId",
  sentry_event_id AS "sentryEventId", user_id::int AS "userId", job_id AS "jobId"`

/** `control.app_errors`: the last errors of each restaurant, shared by every instance (migration 006). */
export function createRecentErrors(pool: QueryPool) {
  return {
    /** Inserts, then trims the restaurant's errors to the newest `KEEP_PER_RESTAURANT` within 30 days. */
    async record(error: NewError): Promise<void> {
      await pool.query(
        `INSERT INTO control.app_errors
           (restaurant_id, kind, location, message, trace_id, sentry_event_id, user_id, job_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          error.restaurantId,
          error.kind,
          error.where.slice(0, 300),
          error.message.slice(0, 1_000),
          error.traceId,
          error.sentryEventId,
          error.userId,
          error.jobId,
        ],
      )
      // Instances trimming at once delete overlapping sets: harmless, and the bound holds after either.
      await pool.query(
        `DELETE FROM control.app_errors WHERE restaurant_id IS NOT DISTINCT FROM $1
           AND (at < now() - make_interval(days => $3)
             OR id <= (SELECT id FROM control.app_errors WHERE restaurant_id IS NOT DISTINCT FROM $1
                       ORDER BY id DESC OFFSET $2 LIMIT 1))`,
        [error.restaurantId, KEEP_PER_RESTAURANT, KEEP_DAYS],
      )
    },
    /** The restaurant's newest errors (null: those tied to no restaurant), newest first. */
    async of(restaurantId: string | null, limit = KEEP_PER_RESTAURANT): Promise<RecentError[]> {
      const { rows } = await pool.query<RecentError>(
        `SELECT ${COLUMNS} FROM control.app_errors WHERE restaurant_id IS NOT DISTINCT FROM $1
         ORDER BY id DESC LIMIT $2`,
        [restaurantId, limit],
      )
      return rows
    },
    /** The newest `limit` of every restaurant, by restaurant id ('' for errors tied to none). */
    async newest(limit: number): Promise<Record<string, RecentError[]>> {
      const { rows } = await pool.query<RecentError & { restaurantId: string | null }>(
        `SELECT restaurant_id AS "restaurantId", ${COLUMNS} FROM (
           SELECT *, row_number() OVER (PARTITION BY restaurant_id ORDER BY id DESC) AS n
           FROM control.app_errors) ranked
         WHERE n <= $1 ORDER BY id DESC`,
        [limit],
      )
      const out: Record<string, RecentError[]> = {}
      for (const { restaurantId, ...error } of rows) {
        const key = restaurantId ?? ''
        out[key] = [...(out[key] ?? []), error]
      }
      return out
    },
  }
}

export type RecentErrors = ReturnType<typeof createRecentErrors>
