import type { QueryPool } from '../infra/database'

// A revocation outlives the longest time any instance may serve a session from memory (5 min) with room
// to spare, so every instance sees it at least once; one not yet applied to the store stays until it is.
const KEEP_APPLIED = '10 minutes'

/**
 * Logouts recorded in `control.session_revocations` (PostgreSQL, durable): what makes a logout true while
 * Redis is unreachable. Each instance keeps the recent ones in memory (`has`) and reloads them on a timer.
 */
export function createRevocations(pool: QueryPool) {
  let known = new Set<string>()
  return {
    has(hash: string): boolean {
      return known.has(hash)
    },
    all(): Iterable<string> {
      return known
    },
    /** `applied`: the session is already gone from the store. */
    async record(hash: string, applied: boolean): Promise<void> {
      known.add(hash)
      await pool.query(
        `INSERT INTO control.session_revocations (token_hash, applied) VALUES ($1, $2)
         ON CONFLICT (token_hash) DO UPDATE SET applied = control.session_revocations.applied OR EXCLUDED.applied`,
        [hash, applied],
      )
    },
    /** Reloads the recent revocations; resolves to those still to delete from the store. */
    async refresh(): Promise<string[]> {
      await pool.query(
        `DELETE FROM control.session_revocations WHERE applied AND revoked_at < now() - interval '${KEEP_APPLIED}'`,
      )
      const { rows } = await pool.query<{ token_hash: string; applied: boolean }>(
        'SELECT token_hash, applied FROM control.session_revocations',
      )
      known = new Set(rows.map((r) => r.token_hash))
      return rows.filter((r) => !r.applied).map((r) => r.token_hash)
    },
    async markApplied(hashes: string[]): Promise<void> {
      await pool.query('UPDATE control.session_revocations SET applied = true WHERE token_hash = ANY($1)', [
        hashes,
      ])
    },
  }
}

export type Revocations = ReturnType<typeof createRevocations>
