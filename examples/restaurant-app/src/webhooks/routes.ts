import { createHash } from 'node:crypto'
import { PosterWebhookError, parseWebhook } from '@rc/poster-client/webhooks'
import type { FastifyPluginAsync } from 'fastify'
import { HttpError } from '../http/errors'
import type { SyncScope } from '../jobs/queue'
import type { Runtime } from '../runtime'
import { tokenSchema } from './schemas'

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

/** Where Poster puts the new token of an install: in `data`, or beside the signed fields. */
function accessTokenOf(body: unknown, data: unknown): string | undefined {
  return tokenSchema.safeParse(data).data?.access_token ?? tokenSchema.safeParse(body).data?.access_token
}

/**
 * `POST /webhooks/poster`: verified with the app secret, then answered at once
 * (Poster retries anything but a fast 200) while a targeted sync runs as a job.
 * Duplicates (Poster retries for two days) are recognised by their signature.
 */
export const webhookRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (app, { runtime }) => {
  const seen = runtime.cache.namespace('webhooks')
  app.post(
    '/webhooks/poster',
    { schema: { tags: ['webhooks'], security: [], summary: 'Poster webhook receiver (signature verified)' } },
    async (request) => {
      let event: ReturnType<typeof parseWebhook>
      try {
        event = parseWebhook(request.body as never, runtime.config.posterAppSecret)
      } catch (error) {
        if (!(error instanceof PosterWebhookError)) throw error
        throw new HttpError(error.reason === 'bad-signature' ? 401 : 400, 'WEBHOOK_REJECTED', error.message)
      }
      const restaurant = await runtime.control.restaurants.findByAccount(event.account)
      if (!restaurant) {
        throw new HttpError(404, 'UNKNOWN_ACCOUNT', `No restaurant uses Poster account ${event.account}.`)
      }
      const id = createHash('sha256').update(JSON.stringify(request.body)).digest('base64url')
      if (await seen.has(id)) return { ok: true, duplicate: true }
      // Remembered only once handled: if enqueueing fails (503), Poster's retry must not look like a duplicate.
      const handled = async <T>(answer: T) => {
        await seen.set(id, 1, { ttl: '3d' })
        return answer
      }

      if (event.object === 'application' && event.action === 'removed') {
        await runtime.control.restaurants.setActive(restaurant.id, false)
        return handled({ ok: true, deactivated: true })
      }
      if (event.object === 'application' && event.action === 'added') {
        // (Re)installed: Poster sends a new token. This is how a restaurant whose token expired or was
        // revoked comes back (there is no refresh token); new restaurants are onboarded by an operator.
        const token = accessTokenOf(request.body, event.data)
        if (!token) return handled({ ok: true, ignored: 'application without access_token' })
        await runtime.control.restaurants.replaceToken(restaurant.id, runtime.cipher.encrypt(token))
        const job = await runtime.jobs.enqueueSync({ restaurantId: restaurant.id, reason: 'webhook' })
        return handled({ ok: true, reactivated: true, jobId: job.id })
      }
      const scope = SCOPES[event.object]
      if (!scope || !restaurant.active) return handled({ ok: true, ignored: event.object })
      const job = await runtime.jobs.enqueueSync({ restaurantId: restaurant.id, scope, reason: 'webhook' })
      return handled({ ok: true, jobId: job.id })
    },
  )
}
