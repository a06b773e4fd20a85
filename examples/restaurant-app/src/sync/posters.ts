import { createPosterClient, type PosterClient, type RateLimitStore } from '@rc/poster-client'
import type { TokenCipher } from '@rc/poster-client/tokens'
import type { Metrics } from '../infra/metrics'
import type { Restaurant } from '../restaurants/repository'

/**
 * One Poster client per restaurant, built from its encrypted token. Every
 * client shares one rate-limit store (Redis in production), so the
 * per-account limit holds across all workers and API instances.
 */
export function createPosterClients(options: {
  cipher: TokenCipher
  store: RateLimitStore
  rate: { perSecond: number; perMinute?: number }
  timeoutMs: number
  /** Overrides every restaurant's base URL (a fake Poster). */
  baseUrl?: string
  metrics: Metrics
}) {
  const clients = new Map<string, { ciphertext: string; client: PosterClient }>()
  const { metrics } = options
  return {
    forRestaurant(restaurant: Restaurant): PosterClient {
      const cached = clients.get(restaurant.id)
      if (cached && cached.ciphertext === restaurant.tokenCiphertext) return cached.client
      const baseUrl = options.baseUrl ?? restaurant.posterBaseUrl ?? undefined
      const client = createPosterClient({
        account: restaurant.posterAccount,
        token: options.cipher.decrypt(restaurant.tokenCiphertext),
        ...(baseUrl ? { baseUrl } : {}),
        rateLimit: { ...options.rate, maxConcurrent: 2, store: options.store },
        retry: { retries: 5, minDelay: '100ms', maxDelay: '5s', maxElapsed: '1m' },
        timeout: options.timeoutMs,
        onEvent: (event) => {
          if (event.type === 'response') {
            metrics.posterCalls.inc({ method: event.method, status: String(event.status) })
            metrics.posterLatency.observe({ method: event.method }, event.durationMs / 1000)
          } else if (event.type === 'retry') {
            metrics.posterRetries.inc({ method: event.method, reason: event.reason })
          } else if (event.type === 'error') {
            metrics.posterErrors.inc({ method: event.method, code: event.code })
          } else if (event.type === 'limiter-error') {
            // The slot frees itself when its lease ends; until then this account runs below its limit.
            metrics.posterErrors.inc({ method: 'rate-limiter', code: 'LIMITER_RELEASE_FAILED' })
          }
        },
      })
      clients.set(restaurant.id, { ciphertext: restaurant.tokenCiphertext, client })
      return client
    },
  }
}

export type PosterClients = ReturnType<typeof createPosterClients>
