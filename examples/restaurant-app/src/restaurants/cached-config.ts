import { z } from 'zod'
import type { Runtime } from '../runtime'

const configSchema = z.object({ id: z.string(), name: z.string(), tier: z.string(), active: z.boolean() })

/** The restaurant's plan and name, cached; dropped by `forgetRestaurantConfig` when either changes. */
export function restaurantConfig(runtime: Runtime, restaurantId: string) {
  return runtime.cache.namespace('config').getOrSet(
    `restaurant:${restaurantId}`,
    async () => {
      const r = await runtime.control.restaurants.get(restaurantId)
      return r ? { id: r.id, name: r.name, tier: r.tier, active: r.active } : null
    },
    { ttl: '10m', tags: [`restaurant:${restaurantId}`], schema: configSchema.nullable() },
  )
}

export async function forgetRestaurantConfig(runtime: Runtime, restaurantId: string): Promise<void> {
  await runtime.cache.namespace('config').invalidateTags([`restaurant:${restaurantId}`])
}
