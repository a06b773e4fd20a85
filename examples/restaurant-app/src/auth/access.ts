import type { Cache } from '@rc/cache'
import { z } from 'zod'
import type { RestaurantRepository } from '../restaurants/repository'
import type { User, UserRepository } from './repository'

const accessSchema = z.object({
  user: z.object({ id: z.number(), email: z.string(), name: z.string(), platformAdmin: z.boolean() }),
  memberships: z.record(z.string(), z.enum(['admin', 'manager', 'viewer'])),
})
export type Access = z.output<typeof accessSchema>
const ACCESS_TTL = '1m'

/**
 * Who a user is and their role in each restaurant, one cache entry per user. The cache it is given has no
 * near cache (Redis only), so `forget` applies on every instance's very next request; the TTL only bounds
 * what a change made behind the app's back (plain SQL) takes to show.
 */
export function createAccess(
  cache: Cache,
  control: { users: UserRepository; restaurants: RestaurantRepository },
) {
  const space = cache.namespace('access')
  const keyOf = (userId: number) => `user:${userId}`
  return {
    /** Undefined for a user that does not exist (any more). */
    async of(userId: number): Promise<Access | undefined> {
      const access = await space.getOrSet(
        keyOf(userId),
        async () => {
          const user: User | undefined = await control.users.get(userId)
          return user ? { user, memberships: await control.restaurants.membershipsOf(userId) } : null
        },
        { ttl: ACCESS_TTL, schema: accessSchema.nullable() },
      )
      return access ?? undefined
    },
    /** Drops what is cached for the user: call it after changing their memberships, role or account. */
    async forget(userId: number): Promise<void> {
      await space.delete(keyOf(userId))
    },
  }
}

export type AccessCache = ReturnType<typeof createAccess>
