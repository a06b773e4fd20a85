/** A user's role in one restaurant, from their membership: admin > manager > viewer. */
export type Role = 'admin' | 'manager' | 'viewer'
export const roleRank: Record<Role, number> = { viewer: 1, manager: 2, admin: 3 }
