import { createOwnerUserRepository } from './auth/repository'
import type { QueryPool } from './infra/database'
import { createOwnerRestaurantRepository } from './restaurants/repository'
import type { Role } from './restaurants/roles'
import type { Runtime } from './runtime'

// Access changes as the tables' owner (the app role may not make them), for admin scripts and tests, as
// seed() onboards. Each drops the user's cached access, so it applies on the next request to any instance;
// a change made in plain SQL instead shows within the access cache's TTL (1 min).

/** The user loses their role in the restaurant; true when they had one. */
export async function removeMembership(
  runtime: Runtime,
  owner: QueryPool,
  userId: number,
  restaurantId: string,
): Promise<boolean> {
  const removed = await createOwnerRestaurantRepository(owner).revoke(userId, restaurantId)
  await runtime.access.forget(userId)
  return removed
}

/** Grants or changes the user's role in the restaurant. */
export async function setRole(
  runtime: Runtime,
  owner: QueryPool,
  userId: number,
  restaurantId: string,
  role: Role,
): Promise<void> {
  await createOwnerRestaurantRepository(owner).grant(userId, restaurantId, role)
  await runtime.access.forget(userId)
}

/** Deletes the user and their memberships; their sessions answer 401 from the next request on. */
export async function removeUser(runtime: Runtime, owner: QueryPool, userId: number): Promise<boolean> {
  const removed = await createOwnerUserRepository(owner).remove(userId)
  await runtime.access.forget(userId)
  return removed
}
