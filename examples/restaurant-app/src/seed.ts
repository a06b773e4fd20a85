import type { TokenCipher } from '@rc/poster-client/tokens'
import { hashPassword } from './auth/passwords'
import { createOwnerUserRepository } from './auth/repository'
import type { QueryPool } from './infra/database'
import { createOwnerRestaurantRepository } from './restaurants/repository'
import type { Role } from './restaurants/roles'

export interface SeedRestaurant {
  id: string
  name: string
  posterAccount: string
  token: string
  posterBaseUrl?: string
  tier?: string
}

export interface SeedUser {
  email: string
  name: string
  password: string
  platformAdmin?: boolean
  roles?: Record<string, Role>
}

/** Onboards restaurants and users as the tables' owner (the app role cannot create either). Idempotent. */
export async function seed(
  owner: QueryPool,
  cipher: TokenCipher,
  input: { restaurants: SeedRestaurant[]; users: SeedUser[] },
) {
  const users = createOwnerUserRepository(owner)
  const restaurants = createOwnerRestaurantRepository(owner)
  for (const r of input.restaurants) {
    await restaurants.create({
      id: r.id,
      name: r.name,
      posterAccount: r.posterAccount,
      ...(r.posterBaseUrl ? { posterBaseUrl: r.posterBaseUrl } : {}),
      tokenCiphertext: cipher.encrypt(r.token),
      ...(r.tier ? { tier: r.tier } : {}),
    })
  }
  const ids: Record<string, number> = {}
  for (const u of input.users) {
    const id = await users.create({
      email: u.email,
      name: u.name,
      passwordHash: await hashPassword(u.password),
      ...(u.platformAdmin ? { platformAdmin: true } : {}),
    })
    ids[u.email] = id
    for (const [restaurantId, role] of Object.entries(u.roles ?? {}))
      await restaurants.grant(id, restaurantId, role)
  }
  return ids
}
