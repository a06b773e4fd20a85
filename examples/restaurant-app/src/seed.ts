import type { TokenCipher } from '@rc/poster-client/tokens'
import { hashPassword } from './auth/passwords'
import type { Role } from './control'
import { createOwnerControl } from './control'
import type { QueryPool } from './infra/database'

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
  const control = createOwnerControl(owner)
  for (const r of input.restaurants) {
    await control.createRestaurant({
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
    const id = await control.createUser({
      email: u.email,
      name: u.name,
      passwordHash: await hashPassword(u.password),
      ...(u.platformAdmin ? { platformAdmin: true } : {}),
    })
    ids[u.email] = id
    for (const [restaurantId, role] of Object.entries(u.roles ?? {}))
      await control.grant(id, restaurantId, role)
  }
  return ids
}
