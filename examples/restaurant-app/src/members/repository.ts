import { createHash, randomBytes } from 'node:crypto'
import type { QueryPool } from '../infra/database'
import type { Role } from '../restaurants/roles'

export interface Member {
  userId: number
  name: string
  email: string
  role: Role
}

export interface Invitation {
  id: number
  restaurantId: string
  restaurantName: string
  role: Role
  createdAt: Date
  expiresAt: Date
  acceptedAt: Date | null
  revokedAt: Date | null
}

export const hashInvitationToken = (token: string) => createHash('sha256').update(token).digest('base64url')
/** 256 random bits, URL-safe: what the link carries. */
export const INVITATION_TOKEN = /^[A-Za-z0-9_-]{43}$/

const INVITATION_COLUMNS = `i.id::int, i.restaurant_id AS "restaurantId", r.name AS "restaurantName", i.role,
  i.created_at AS "createdAt", i.expires_at AS "expiresAt", i.accepted_at AS "acceptedAt", i.revoked_at AS "revokedAt"`

/** Members and invitations as the app role reads them (`control.memberships`, `control.invitations`). */
export function createMemberReader(pool: QueryPool) {
  return {
    async members(restaurantId: string): Promise<Member[]> {
      const { rows } = await pool.query<Member>(
        `SELECT u.id::int AS "userId", u.name, u.email, m.role FROM control.memberships m
         JOIN control.users u ON u.id = m.user_id WHERE m.restaurant_id = $1 ORDER BY u.name, u.id`,
        [restaurantId],
      )
      return rows
    },
    async admins(restaurantId: string): Promise<number> {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM control.memberships WHERE restaurant_id = $1 AND role = 'admin'`,
        [restaurantId],
      )
      return rows[0]?.n ?? 0
    },
    /** Not yet used, revoked or expired. */
    async pending(restaurantId: string): Promise<Invitation[]> {
      const { rows } = await pool.query<Invitation>(
        `SELECT ${INVITATION_COLUMNS} FROM control.invitations i JOIN control.restaurants r ON r.id = i.restaurant_id
         WHERE i.restaurant_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
         ORDER BY i.created_at DESC`,
        [restaurantId],
      )
      return rows
    },
    async byToken(token: string): Promise<Invitation | undefined> {
      const { rows } = await pool.query<Invitation>(
        `SELECT ${INVITATION_COLUMNS} FROM control.invitations i JOIN control.restaurants r ON r.id = i.restaurant_id
         WHERE i.token_hash = $1`,
        [hashInvitationToken(token)],
      )
      return rows[0]
    },
  }
}

/** Invitation writes, as the tables' owner (the app role may only read them). */
export function createInvitationWriter(owner: QueryPool) {
  return {
    /** The token is returned here and nowhere else: only its hash is stored. */
    async create(input: { restaurantId: string; role: Role; createdBy: number; ttlMs: number }) {
      const token = randomBytes(32).toString('base64url')
      const { rows } = await owner.query<{ id: number; expiresAt: Date }>(
        `INSERT INTO control.invitations (restaurant_id, role, token_hash, created_by, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING id::int, expires_at AS "expiresAt"`,
        [input.restaurantId, input.role, hashInvitationToken(token), input.createdBy, input.ttlMs / 1000],
      )
      const row = rows[0] as { id: number; expiresAt: Date }
      return { id: row.id, token, expiresAt: row.expiresAt }
    },
    async revoke(restaurantId: string, id: number): Promise<boolean> {
      const { rowCount } = await owner.query(
        `UPDATE control.invitations SET revoked_at = now()
         WHERE id = $1 AND restaurant_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`,
        [id, restaurantId],
      )
      return (rowCount ?? 0) > 0
    },
    /** Marks a usable invitation used by `userId`, atomically: of two concurrent claims one wins. */
    async claim(token: string, userId: number): Promise<{ restaurantId: string; role: Role } | undefined> {
      const { rows } = await owner.query<{ restaurantId: string; role: Role }>(
        `UPDATE control.invitations SET accepted_at = now(), accepted_by = $2
         WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
         RETURNING restaurant_id AS "restaurantId", role`,
        [hashInvitationToken(token), userId],
      )
      return rows[0]
    },
    /** Undoes a claim whose membership could not be granted, so the link still works. */
    async unclaim(token: string): Promise<void> {
      await owner.query(
        'UPDATE control.invitations SET accepted_at = NULL, accepted_by = NULL WHERE token_hash = $1',
        [hashInvitationToken(token)],
      )
    },
  }
}
