import type { Runtime } from '../runtime'
import { computeAnalytics } from './repository'

/** The analytics report, cached per restaurant until inventory or orders change (API and staff UI). */
export function analyticsReport(runtime: Runtime, restaurantId: string) {
  return runtime.cached(restaurantId, 'analytics', ['inventory', 'orders'], async () => {
    const row = await computeAnalytics(runtime.db.tenant, restaurantId)
    return { ...row, computedAt: new Date().toISOString() }
  })
}
