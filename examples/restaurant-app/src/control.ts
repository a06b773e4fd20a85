import type { QueryPool } from './infra/database'

export type Role = 'admin' | 'manager' | 'viewer'
export const roleRank: Record<Role, number> = { viewer: 1, manager: 2, admin: 3 }

export interface User {
  id: number
  email: string
  name: string
  platformAdmin: boolean
}

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
}

export type RestaurantStatus =
  | 'new'
  | 'ok'
  | 'syncing'
  | 'error'
  | 'needs_reauth'
  | 'token_expiring'
  | 'inactive'
export type SyncEventKind = 'started' | 'done' | 'failed' | 'retrying' | 'token'

const RESTAURANT_COLUMNS = `id, name, poster_account AS "posterAccount", poster_base_url AS "posterBaseUrl",
  token_ciphertext AS "tokenCiphertext", token_issued_at AS "tokenIssuedAt", tier, active, status,
  last_sync_at AS "lastSyncAt", last_error AS "lastError"`

/** The control plane (users, restaurants, memberships, sync events), read and written as the app role. */
export function createControl(pool: QueryPool) {
  return {
    async findUserByEmail(email: string): Promise<(User & { passwordHash: string }) | undefined> {
      const { rows } = await pool.query<User & { passwordHash: string }>(
        `SELECT id::int, email, name, password_hash AS "passwordHash", platform_admin AS "platformAdmin"
         FROM control.users WHERE email = $1`,
        [email.toLowerCase()],
      )
      return rows[0]
    },
    async getUser(id: number): Promise<User | undefined> {
      const { rows } = await pool.query<User>(
        `SELECT id::int, email, name, platform_admin AS "platformAdmin" FROM control.users WHERE id = $1`,
        [id],
      )
      return rows[0]
    },
    async memberships(userId: number): Promise<Record<string, Role>> {
      const { rows } = await pool.query<{ restaurant_id: string; role: Role }>(
        'SELECT restaurant_id, role FROM control.memberships WHERE user_id = $1',
        [userId],
      )
      return Object.fromEntries(rows.map((r) => [r.restaurant_id, r.role]))
    },
    async getRestaurant(id: string): Promise<Restaurant | undefined> {
      const { rows } = await pool.query<Restaurant>(
        `SELECT ${RESTAURANT_COLUMNS} FROM control.restaurants WHERE id = $1`,
        [id],
      )
      return rows[0]
    },
    async findRestaurantByAccount(account: string): Promise<Restaurant | undefined> {
      const { rows } = await pool.query<Restaurant>(
        `SELECT ${RESTAURANT_COLUMNS} FROM control.restaurants WHERE poster_account = $1`,
        [account],
      )
      return rows[0]
    },
    async listRestaurants(): Promise<Restaurant[]> {
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
    async setActive(id: string, active: boolean): Promise<void> {
      await pool.query(
        `UPDATE control.restaurants SET active = $2, status = CASE WHEN $2 THEN 'new' ELSE 'inactive' END WHERE id = $1`,
        [id, active],
      )
    },
    /** A new Poster token (app reinstalled): the restaurant is active again and syncs from scratch. */
    async replaceToken(id: string, tokenCiphertext: string): Promise<void> {
      await pool.query(
        `UPDATE control.restaurants SET token_ciphertext = $2, token_issued_at = now(), active = true,
           status = 'new', last_error = NULL WHERE id = $1`,
        [id, tokenCiphertext],
      )
    },
    async recordEvent(
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
    async recentEvents(restaurantId: string, limit = 20) {
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

export type Control = ReturnType<typeof createControl>

/** Writes only the tables' owner may make: onboarding users and restaurants (seed, tests, admin scripts). */
export function createOwnerControl(owner: QueryPool) {
  return {
    async createUser(input: { email: string; name: string; passwordHash: string; platformAdmin?: boolean }) {
      const { rows } = await owner.query<{ id: number }>(
        `INSERT INTO control.users (email, name, password_hash, platform_admin) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, password_hash = EXCLUDED.password_hash,
           platform_admin = EXCLUDED.platform_admin
         RETURNING id::int`,
        [input.email.toLowerCase(), input.name, input.passwordHash, input.platformAdmin ?? false],
      )
      return (rows[0] as { id: number }).id
    },
    async createRestaurant(input: {
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
    async grant(userId: number, restaurantId: string, role: Role) {
      await owner.query(
        `INSERT INTO control.memberships (user_id, restaurant_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, restaurant_id) DO UPDATE SET role = EXCLUDED.role`,
        [userId, restaurantId, role],
      )
    },
  }
}
