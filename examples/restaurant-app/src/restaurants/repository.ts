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
  last_sync_at AS "lastSyncAt", last_error AS "lastError"`

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
