import { PosterAuthError } from '@rc/poster-client'
import type { JobHandlers, JobQueue } from '../jobs/queue'
import { pushSupply, type SupplyDeps } from '../orders/push-supply'
import { dueOutbox } from '../orders/supply-outbox'
import { type SyncDeps, syncRestaurant } from './sync-restaurant'

// Poster tokens live two years and cannot be refreshed: warn a month ahead.
const TOKEN_LIFETIME_MS = 2 * 365 * 24 * 3600 * 1000
const TOKEN_WARNING_MS = 30 * 24 * 3600 * 1000

export function createJobHandlers(
  deps: SyncDeps & SupplyDeps & { jobs: JobQueue; syncEveryMs: number },
): JobHandlers {
  return {
    sync: (data, context) => syncRestaurant(deps, data, context),
    pushSupply: (data, context) => pushSupply(deps, data, context),

    // Spread over most of the interval, so thousands of restaurants never hit Poster (or us) at once.
    async syncAll(context) {
      const due = (await deps.restaurants.list()).filter((r) => r.active && r.status !== 'needs_reauth')
      const spread = deps.syncEveryMs * 0.8
      let enqueued = 0
      for (const [index, restaurant] of due.entries()) {
        const delayMs = Math.floor((index * spread) / Math.max(1, due.length))
        const { deduplicated } = await deps.jobs.enqueueSync(
          { restaurantId: restaurant.id, reason: 'scheduled' },
          { delayMs },
        )
        if (!deduplicated) enqueued++
        await context.progress(((index + 1) / due.length) * 100)
      }
      // The outbox is the truth and jobs only a nudge: a received order whose job was lost (Redis down
      // when it was received, a worker killed) is sent again from here.
      let supplies = 0
      for (const restaurant of due) {
        for (const orderId of await dueOutbox(deps.db.tenant, restaurant.id)) {
          await deps.jobs.enqueueSupply({ restaurantId: restaurant.id, orderId })
          supplies++
        }
      }
      return { restaurants: due.length, enqueued, supplies }
    },

    async tokenCheck(context) {
      const restaurants = (await deps.restaurants.list()).filter((r) => r.active)
      let expiring = 0
      let invalid = 0
      for (const [index, restaurant] of restaurants.entries()) {
        const age = Date.now() - restaurant.tokenIssuedAt.getTime()
        try {
          await deps.posters.forRestaurant(restaurant).access.getSpots()
          if (age > TOKEN_LIFETIME_MS - TOKEN_WARNING_MS) {
            expiring++
            const days = Math.max(0, Math.ceil((TOKEN_LIFETIME_MS - age) / 86_400_000))
            await deps.restaurants.setStatus(
              restaurant.id,
              'token_expiring',
              `Poster token expires in ${days} days: re-authorise.`,
            )
            await deps.syncEvents.record(restaurant.id, context.id, 'token', `expires in ${days} days`)
          } else if (restaurant.status === 'needs_reauth' || restaurant.status === 'token_expiring') {
            await deps.restaurants.setStatus(restaurant.id, 'ok')
          }
        } catch (error) {
          if (!(error instanceof PosterAuthError)) continue // Poster unreachable: not the token's fault
          invalid++
          await deps.restaurants.setStatus(restaurant.id, 'needs_reauth', error.message)
          await deps.syncEvents.record(restaurant.id, context.id, 'token', `refused: ${error.message}`)
        }
        await context.progress(((index + 1) / restaurants.length) * 100)
      }
      return { checked: restaurants.length, expiring, invalid }
    },
  }
}
