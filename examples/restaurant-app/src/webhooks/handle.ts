import type { PosterWebhookEvent } from '@rc/poster-client/webhooks'
import type { SyncScope } from '../jobs/queue'
import type { Runtime } from '../runtime'
import { tokenSchema, type WebhookAnswer } from './schemas'

// What each Poster object touches locally. There is no supplier webhook: suppliers come with the scheduled sync.
const SCOPES: Record<string, SyncScope[]> = {
  product: ['categories', 'products'],
  dish: ['categories', 'products'],
  prepack: ['categories', 'products'],
  category: ['categories'],
  ingredient: ['ingredients', 'stock'],
  ingredients_category: ['ingredients'],
  storage: ['storages', 'stock'],
  stock: ['stock'],
  supply: ['stock'],
}

type Outcome = Omit<WebhookAnswer, 'status'>
const ignored = (reason: string): Outcome => ({ outcome: 'ignored', reason })

/**
 * What a verified event does. Everything here reads only what the signature covers: the restaurant by
 * its signed account, an install's token from the signed `data`, the order of installs and uninstalls
 * by the signed `time`.
 */
export async function handleWebhook(runtime: Runtime, event: PosterWebhookEvent): Promise<Outcome> {
  const restaurant = await runtime.control.restaurants.findByAccount(event.account)
  if (!restaurant) return ignored('unknown-account')

  if (event.object === 'application') {
    if (event.action === 'removed') {
      const applied = await runtime.control.restaurants.uninstalled(restaurant.id, event.time)
      return applied ? { outcome: 'handled', reason: 'deactivated' } : ignored('older-than-last-install')
    }
    if (event.action === 'added') {
      // (Re)installed: Poster sends a new token. This is how a restaurant whose token expired or was
      // revoked comes back (there is no refresh token); new restaurants are onboarded by an operator.
      const token = tokenSchema.safeParse(event.data).data?.access_token
      if (!token) return ignored('install-without-token')
      const cipher = runtime.cipher.encrypt(token)
      if (!(await runtime.control.restaurants.installed(restaurant.id, cipher, event.time))) {
        return ignored('older-than-last-uninstall')
      }
      // Back from needs_reauth or an uninstall: sync now, not after the scheduler's delayed job.
      const job = await runtime.jobs.syncNow({ restaurantId: restaurant.id, reason: 'webhook' })
      return { outcome: 'handled', reason: 'reactivated', jobId: job.id }
    }
    return ignored('unhandled-action')
  }

  const scope = SCOPES[event.object]
  if (!scope) return ignored('unhandled-object')
  if (!restaurant.active) return ignored('inactive')
  const job = await runtime.jobs.enqueueSync({ restaurantId: restaurant.id, scope, reason: 'webhook' })
  return { outcome: 'handled', reason: 'sync', jobId: job.id }
}
