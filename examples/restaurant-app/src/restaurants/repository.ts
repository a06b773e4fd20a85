import type { QueryPool } from '../infra/database'
import type { Role } from './roles'

export interface Restaurant {
  id: string
  name: string
  posterAccount: string
  posterBaseUrl: string | null
  tokenCiphertext: string
  tokenIssuedAt: Date
  tier: string
  active: boolean
  status: string
  lastSyncAt: Date | null
  lastError: string | null
  /** Failed syncs in a row that Poster's side caused (5xx, timeouts): the circuit breaker's count. */
  posterFailures: number
  /** While in the future, this account's syncs back off (the breaker is open). */
  posterBackoffUntil: Date | null
}

export type RestaurantStatus =
  | 'new'
  | 'ok'
  | 'syncing'
  | 'error'
  | 'needs_reauth'
  | 'token_expiring'
  | 'inactive'

const RESTAURANT_COLUMNS = `id, name, poster_account AS "posterAccount", poster_base_url AS "posterBaseUrl",
  token_ciphertext AS "tokenCiphertext", token_issued_at AS "tokenIssuedAt", tier, active, status,
  last_sync_at AS "lastSyncAt", last_error AS "lastError", poster_failures AS "posterFailures",
  poster_backoff_until AS "posterBackoffUntil"`

/** `control.restaurants` and `control.memberships`, read and written as the app role. */
export function createRestaurantRepository(pool: QueryPool) {
  return {
    async get(id: string): Promise<Restaurant | undefined> {
      const { rows } = await pool.query<Restaurant>(
        `SELECT ${RESTAURANT_COLUMNS} FROM control.restaurants WHERE id = $1`,
        [id],
      )
      return rows[0]
    },
    async findByAccount(account: string): Promise<Restaurant | undefined> {
      const { rows } = await pool.query<Restaurant>(
        `SELECT ${RESTAURANT_COLUMNS} FROM control.restaurants WHERE poster_account = $1`,
        [account],
      )
      return rows[0]
    },
    async list(): Promise<Restaurant[]> {
      const { rows } = await pool.query<Restaurant>(
        `SELECT ${RESTAURANT_COLUMNS} FROM control.restaurants ORDER BY id`,
      )
      return rows
    },
    async setStatus(id: string, status: RestaurantStatus, lastError: string | null = null): Promise<void> {
      await pool.query('UPDATE control.restaurants SET status = $2, last_error = $3 WHERE id = $1', [
        id,
        status,
        lastError,
      ])
    },
    async markSynced(id: string): Promise<void> {
      await pool.query(
        `UPDATE control.restaurants SET status = 'ok', last_error = NULL, last_sync_at = now() WHERE id = $1`,
        [id],
      )
    },
    async setTier(id: string, tier: string): Promise<boolean> {
      const { rowCount } = await pool.query('UPDATE control.restaurants SET tier = $2 WHERE id = $1', [
        id,
        tier,
      ])
      return (rowCount ?? 0) > 0
    },
    /**
     * The app was uninstalled at Poster's `time` (unix seconds): deactivate, unless a later install or
     * uninstall was applied already (an old event replayed). True when applied.
     */
    async uninstalled(id: string, time: number): Promise<boolean> {
      const { rowCount } = await pool.query(
        `UPDATE control.restaurants SET active = false, status = 'inactive', app_event_at = $2::bigint
         WHERE id = $1 AND $2::bigint >= coalesce(app_event_at, floor(extract(epoch FROM token_issued_at))::bigint)`,
        [id, time],
      )
      return (rowCount ?? 0) > 0
    },
    /**
     * Reinstalled at Poster's `time` with a new token: active again, syncing from scratch; unless a later
     * install or uninstall was applied already. True when applied.
     */
    async installed(id: string, tokenCiphertext: string, time: number): Promise<boolean> {
      const { rowCount } = await pool.query(
        `UPDATE control.restaurants SET token_ciphertext = $2, token_issued_at = now(), active = true,
           status = 'new', last_error = NULL, poster_failures = 0, poster_backoff_until = NULL, app_event_at = $3::bigint
         WHERE id = $1 AND $3::bigint >= coalesce(app_event_at, floor(extract(epoch FROM token_issued_at))::bigint)`,
        [id, tokenCiphertext, time],
      )
      return (rowCount ?? 0) > 0
    },
    /**
     * One more failed sync on Poster's side. From `threshold` failures in a row the account backs off
     * for `cooldownMs`, doubled for each failure past it, at most `maxMs`.
     */
    async posterFailed(
      id: string,
      breaker: { failures: number; cooldownMs: number; maxMs: number },
    ): Promise<{ failures: number; backoffUntil: Date | null }> {
      const { rows } = await pool.query<{ failures: number; backoffUntil: Date | null }>(
        `UPDATE control.restaurants SET poster_failures = poster_failures + 1,
           poster_backoff_until = CASE WHEN poster_failures + 1 >= $2
             THEN now() + make_interval(secs => least($4::float8, $3::float8 * power(2, poster_failures + 1 - $2)) / 1000)
             ELSE poster_backoff_until END
         WHERE id = $1 RETURNING poster_failures AS failures, poster_backoff_until AS "backoffUntil"`,
        [id, breaker.failures, breaker.cooldownMs, breaker.maxMs],
      )
      return rows[0] ?? { failures: 0, backoffUntil: null }
    },
    /** Poster answered this account again: the breaker closes. */
    async posterRecovered(id: string): Promise<void> {
      await pool.query(
        'UPDATE control.restaurants SET poster_failures = 0, poster_backoff_until = NULL WHERE id = $1 AND poster_failures > 0',
        [id],
      )
    },
    /** The user's role in each restaurant they belong to, by restaurant id. */
    async membershipsOf(userId: number): Promise<Record<string, Role>> {
      const { rows } = await pool.query<{ restaurant_id: string; role: Role }>(
        'SELECT restaurant_id, role FROM control.memberships WHERE user_id = $1',
        [userId],
      )
      return Object.fromEntries(rows.map((r) => [r.restaurant_id, r.role]))
    },
  }
}

export type RestaurantRepository = ReturnType<typeof createRestaurantRepository>

/** Writes only the tables' owner may make: onboarding restaurants and granting roles (seed, tests, admin scripts). */
export function createOwnerRestaurantRepository(owner: QueryPool) {
  return {
    async create(input: {
      id: string
      name: string
      posterAccount: string
      posterBaseUrl?: string
      tokenCiphertext: string
      tier?: string
    }) {
      await owner.query(
        `INSERT INTO control.restaurants (id, name, poster_account, poster_base_url, token_ciphertext, tier)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, poster_account = EXCLUDED.poster_account,
           poster_base_url = EXCLUDED.poster_base_url, token_ciphertext = EXCLUDED.token_ciphertext, tier = EXCLUDED.tier`,
        [
          input.id,
          input.name,
          input.posterAccount,
          input.posterBaseUrl ?? null,
          input.tokenCiphertext,
          input.tier ?? 'free',
        ],
      )
    },
    /**
     * A new restaurant (self-service onboarding): false when the id or the Poster account is taken,
     * which is never overwritten (unlike `create`, seed's upsert).
     */
    async register(input: {
      id: string
      name: string
      posterAccount: string
      posterBaseUrl: string | null
      tokenCiphertext: string
      tier: string
    }): Promise<boolean> {
      const { rows } = await owner.query(
        `INSERT INTO control.restaurants (id, name, poster_account, poster_base_url, token_ciphertext, tier)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`,
        [input.id, input.name, input.posterAccount, input.posterBaseUrl, input.tokenCiphertext, input.tier],
      )
      return rows.length > 0
    },
    /** Where the restaurant's Poster is and its token (the embedded demo's fake moves at every start). */
    async setConnection(id: string, posterBaseUrl: string | null, tokenCiphertext: string): Promise<void> {
      await owner.query(
        'UPDATE control.restaurants SET poster_base_url = $2, token_ciphertext = $3 WHERE id = $1',
        [id, posterBaseUrl, tokenCiphertext],
      )
    },
    async revoke(userId: number, restaurantId: string): Promise<boolean> {
      const { rowCount } = await owner.query(
        'DELETE FROM control.memberships WHERE user_id = $1 AND restaurant_id = $2',
        [userId, restaurantId],
      )
      return (rowCount ?? 0) > 0
    },
    async grant(userId: number, restaurantId: string, role: Role) {
      await owner.query(
        `INSERT INTO control.memberships (user_id, restaurant_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, restaurant_id) DO UPDATE SET role = EXCLUDED.role`,
        [userId, restaurantId, role],
      )
    },
  }
}
