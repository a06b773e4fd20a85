import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { createPosterClient } from '../src/index'
import { redisRateLimitStore } from '../src/redis'
import { createFakePoster } from '../src/testing'

const ACCOUNTS = 100
const PER_SECOND = 5

/** The 8 methods one account's sync calls. */
const SYNC = [
  (p: ReturnType<typeof createPosterClient>) => p.storage.getStorages(),
  (p: ReturnType<typeof createPosterClient>) => p.storage.getSuppliers(),
  (p: ReturnType<typeof createPosterClient>) => p.storage.getStorageLeftovers(),
  (p: ReturnType<typeof createPosterClient>) => p.storage.getSupplies(),
  (p: ReturnType<typeof createPosterClient>) => p.menu.getIngredients(),
  (p: ReturnType<typeof createPosterClient>) => p.menu.getCategories(),
  (p: ReturnType<typeof createPosterClient>) => p.menu.getProducts(),
  (p: ReturnType<typeof createPosterClient>) => p.access.getSpots(),
]

export interface SyncResult {
  workers: number
  totalMs: number
  minimumMs: number
  ratio: number
  requests: number
  status429: number
}

/**
 * `workers` concurrent jobs take accounts from a queue; a job syncs one account: its 8 calls at
 * once through a client whose limiter lives in Redis (as app workers would share it). The fake
 * answers 429 beyond 5 requests/s per account.
 */
export async function runSync(workers: number, redisUrl: string): Promise<SyncResult> {
  const fake = await createFakePoster({
    accounts: ACCOUNTS,
    rateLimit: { perSecond: PER_SECOND },
    seed: workers,
  })
  const redis = new Redis(redisUrl)
  const prefix = `bench:poster:${randomUUID()}:`
  const store = redisRateLimitStore({ client: redis, prefix })
  try {
    const queue = [...fake.accounts]
    const started = performance.now()
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const poster = createPosterClient({
            account: next.account,
            token: next.token,
            baseUrl: fake.url,
            rateLimit: { perSecond: PER_SECOND, maxConcurrent: SYNC.length, store },
          })
          await Promise.all(SYNC.map((call) => call(poster)))
        }
      }),
    )
    const totalMs = performance.now() - started
    // A job needs ceil(8/5) = 2 windows: 5 calls now, 3 one second later. Jobs run `workers` at a time.
    const minimumMs = Math.ceil(ACCOUNTS / workers) * (Math.ceil(SYNC.length / PER_SECOND) - 1) * 1000
    return {
      workers,
      totalMs,
      minimumMs,
      ratio: totalMs / minimumMs,
      requests: fake.requests.length,
      status429: fake.requests.filter((r) => r.status === 429).length,
    }
  } finally {
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
    await fake.close()
  }
}
