import { PosterWebhookError, type PosterWebhookEvent, parseWebhook } from '@rc/poster-client/webhooks'
import { createRateTiers, memoryRateStore } from '@rc/rate-tiers'
import { rateTiersPlugin } from '@rc/rate-tiers/fastify'
import { redisRateStore } from '@rc/rate-tiers/redis'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorBody, HttpError } from '../http/errors'
import type { Runtime } from '../runtime'
import { handleWebhook } from './handle'
import { type WebhookAnswer, webhookAnswer } from './schemas'

/**
 * `POST /webhooks/poster`. A forged or malformed body is refused (401, 400). Every correctly signed event
 * is answered 200, whether it is handled, ignored (unknown account, object or action) or a duplicate:
 * Poster retries anything else for two days and holds back the account's later hooks meanwhile. The work
 * is a job; a duplicate (same signed fields, however re-sent) is acknowledged and not run again.
 */
export const webhookRoutes: FastifyPluginAsyncZod<{ runtime: Runtime }> = async (app, { runtime }) => {
  const seen = runtime.cache.namespace('webhooks')
  const count = (outcome: string, reason = '') => runtime.metrics.webhookEvents.inc({ outcome, reason })

  // Per source address; Poster sends every restaurant's hooks from a few, so the default is generous.
  const limits = createRateTiers({
    store: runtime.redis
      ? redisRateStore({ client: runtime.redis, prefix: `${runtime.config.keyPrefix}:webhook:` })
      : memoryRateStore(),
    tiers: { poster: { webhook: runtime.config.webhookRateLimit } },
    algorithm: 'sliding-window',
    // A limiter outage must not refuse Poster's hooks.
    onStoreError: 'allow',
  })
  await app.register(rateTiersPlugin, {
    tiers: limits,
    key: (request) => `ip:${request.ip}`,
    tier: () => 'poster',
    bucket: 'webhook',
  })
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode === 429) count('rate_limited')
    return payload
  })

  app.post(
    '/webhooks/poster',
    {
      schema: {
        tags: ['webhooks'],
        security: [],
        summary: 'Poster webhook receiver (signature verified)',
        response: {
          200: webhookAnswer,
          400: errorBody.describe('Malformed, too old (3 days) or stamped in the future'),
          401: errorBody.describe('The signature (verify) does not match'),
        },
      },
    },
    async (request): Promise<WebhookAnswer> => {
      let event: PosterWebhookEvent
      try {
        event = parseWebhook(request.body as never, runtime.config.posterAppSecret)
      } catch (error) {
        if (!(error instanceof PosterWebhookError)) throw error
        count('rejected', error.reason)
        throw new HttpError(error.reason === 'bad-signature' ? 401 : 400, 'WEBHOOK_REJECTED', error.message)
      }
      const about = { webhook: event.id, account: event.account, object: event.object, action: event.action }
      if (await seen.has(event.id)) {
        count('duplicate')
        return { status: 'accept', outcome: 'duplicate' }
      }
      const outcome = await handleWebhook(runtime, event)
      // Remembered only once handled: if enqueueing failed (503), Poster's retry must not look like a duplicate.
      await seen.set(event.id, 1, { ttl: '3d' })
      count(outcome.outcome, outcome.reason)
      if (outcome.outcome === 'ignored')
        request.log.info({ ...about, reason: outcome.reason }, 'webhook ignored')
      return { status: 'accept', ...outcome }
    },
  )
}
