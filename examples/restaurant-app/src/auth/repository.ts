import type { QueryPool } from '../infra/database'

export interface User {
  id: number
  email: string
  name: string
  platformAdmin: boolean
}

/** `control.users`, read as the app role (it may not create users). */
export function createUserRepository(pool: QueryPool) {
  return {
    async findByEmail(email: string): Promise<(User & { passwordHash: string }) | undefined> {
      const { rows } = await pool.query<User & { passwordHash: string }>(
        `SELECT id::int, email, name, password_hash AS "passwordHash", platform_admin AS "platformAdmin"
         FROM control.users WHERE email = $1`,
        [email.toLowerCase()],
      )
      return rows[0]
    },
    async get(id: number): Promise<User | undefined> {
      const { rows } = await pool.query<User>(
        `SELECT id::int, email, name, platform_admin AS "platformAdmin" FROM control.users WHERE id = $1`,
        [id],
      )
      return rows[0]
    },
  }
}

export type UserRepository = ReturnType<typeof createUserRepository>

/** Writes only the tables' owner may make: onboarding users (seed, tests, admin scripts). */
export function createOwnerUserRepository(owner: QueryPool) {
  return {
    async create(input: { email: string; name: string; passwordHash: string; platformAdmin?: boolean }) {
      const { rows } = await owner.query<{ id: number }>(
        `INSERT INTO control.users (email, name, password_hash, platform_admin) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, password_hash = EXCLUDED.password_hash,
           platform_admin = EXCLUDED.platform_admin
         RETURNING id::int`,
        [input.email.toLowerCase(), input.name, input.passwordHash, input.platformAdmin ?? false],
      )
      return (rows[0] as { id: number }).id
    },
    /** Their memberships go with them (ON DELETE CASCADE). */
    async remove(id: number): Promise<boolean> {
      const { rowCount } = await owner.query('DELETE FROM control.users WHERE id = $1', [id])
      return (rowCount ?? 0) > 0
    },
  }
}
