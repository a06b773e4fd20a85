import type { Cluster, Redis } from 'ioredis'
import { type Duration, toMs } from './duration'
import { RateStoreError } from './errors'
import { runScript, type Script, script } from './redis/run-script'
import { scriptSource } from './redis/scripts'
import type { Algorithm, RateStore, StoreCall, StoreOutcome } from './types'

/** Options of `redisRateStore`. */
export interface RedisRateStoreOptions {
  /** An ioredis `Redis` or `Cluster` the app creates, connects and closes. */
  client: Redis | Cluster
  /** Prepended to every key (before the `{key}` hash tag). Default `'rt:'`. */
  prefix?: string
  /**
   * Longest a decision may wait for Redis before it counts as a store error (and `onStoreError`
   * answers). Default `'500ms'`.
   */
  timeout?: Duration
}

const STORE = 'redis'

/**
 * Usage in Redis: one Lua script per decision (EVALSHA, reloaded on NOSCRIPT), time from Redis
 * `TIME`, and all keys of one rate-limited key in one Cluster slot.
 */
export function redisRateStore(options: RedisRateStoreOptions): RateStore {
  const { client } = options
  const prefix = options.prefix ?? 'rt:'
  const timeoutMs = toMs(options.timeout ?? '500ms', 'redisRateStore timeout')
  const scripts = new Map<Algorithm, Script>()
  const scriptFor = (algorithm: Algorithm): Script => {
    let found = scripts.get(algorithm)
    if (!found) {
      found = script(scriptSource(algorithm))
      scripts.set(algorithm, found)
    }
    return found
  }

  // ioredis queues commands while it reconnects; a limiter must answer now, so it never waits on that queue.
  function guarded<T>(work: () => Promise<T>): Promise<T> {
    if (client.status !== 'ready') {
      return Promise.reject(
        new RateStoreError(
          'RATE_TIERS_STORE_UNAVAILABLE',
          STORE,
          `the client is ${client.status}, not ready; check that Redis is reachable.`,
        ),
      )
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new RateStoreError(
            'RATE_TIERS_STORE_TIMEOUT',
            STORE,
            `no answer within ${timeoutMs} ms; Redis may be overloaded or frozen (raise \`timeout\` if it is merely slow).`,
          ),
        )
      }, timeoutMs)
      work().then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (error: unknown) => {
          clearTimeout(timer)
          reject(
            new RateStoreError(
              'RATE_TIERS_STORE_UNAVAILABLE',
              STORE,
              `command failed: ${error instanceof Error ? error.message : String(error)}`,
              error,
            ),
          )
        },
      )
    })
  }

  async function decide({ algorithm, limits, cost, charge }: StoreCall): Promise<StoreOutcome[]> {
    const keys: string[] = []
    const args: (string | number)[] = [charge ? '1' : '0', cost]
    for (const l of limits) {
      keys.push(prefix + l.id)
      args.push(l.limit, l.windowMs, l.burst)
    }
    const reply = (await guarded(() => runScript(client, scriptFor(algorithm), keys, args))) as number[]
    const outcomes: StoreOutcome[] = []
    for (let i = 0; i < limits.length; i++) {
      outcomes.push({
        allowed: reply[i * 4] === 1,
        remaining: reply[i * 4 + 1]!,
        resetMs: reply[i * 4 + 2]!,
        retryAfterMs: reply[i * 4 + 3]!,
      })
    }
    return outcomes
  }

  return {
    name: STORE,
    decide,
    async delete(ids) {
      if (ids.length === 0) return
      await guarded(() => client.del(...ids.map((id) => prefix + id)))
    },
  }
}
