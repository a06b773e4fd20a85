import { luaScript, runScript } from '@rc/internal'
import type { Cluster, Redis } from 'ioredis'
import { type Duration, toMs } from './duration'
import { PosterError } from './errors'
import { LIMITER_SCRIPT } from './limiter/redis-script'
import type { AcquireResult, RateLimitPolicy, RateLimitStore } from './limiter/store'

/** Options of {@link redisRateLimitStore}. */
export interface RedisRateLimitStoreOptions {
  /** Your ioredis client (standalone or Cluster); the store never connects or quits it. */
  client: Redis | Cluster
  /** Key prefix. Default `'rc:poster:rl:'`; the key of an account is `{prefix}{account}` (one hash slot). */
  prefix?: string
  /** How soon to ask again while the blocking request is in flight in another process. Default 25 ms. */
  pollMs?: number
  /**
   * Longest one store call waits for Redis before it fails (an acquire then fails the Poster call with
   * `POSTER_LIMITER_UNAVAILABLE`, nothing sent). Bounds a frozen or failing-over Redis even on a client
   * without `commandTimeout`. Default `'2s'`.
   */
  timeout?: Duration
}

const SCRIPT = luaScript(LIMITER_SCRIPT)

/**
 * A rate limit store shared by every process using the same Redis: one Lua script takes and
 * releases slots atomically against Redis's clock, so four workers on one account stay within
 * one account's limit, and a 429's Retry-After seen by one pauses the account for all.
 */
export function redisRateLimitStore(options: RedisRateLimitStoreOptions): RateLimitStore {
  const { client } = options
  const prefix = options.prefix ?? 'rc:poster:rl:'
  const pollMs = options.pollMs ?? 25
  const timeoutMs = toMs(options.timeout ?? '2s', 'redisRateLimitStore timeout')

  // Both keys of an account share its hash slot, so the script runs on Redis Cluster too.
  const send = (key: string, args: Array<string | number>) =>
    runScript(client, SCRIPT, [`${prefix}{${key}}`, `${prefix}{${key}}:pause`], args)
  const run = (key: string, args: Array<string | number>) => bounded(send(key, args), timeoutMs)

  return {
    async tryAcquire(key: string, leaseId: string, policy: RateLimitPolicy): Promise<AcquireResult> {
      const args: Array<string | number> = ['acquire', leaseId, policy.leaseMs, policy.maxConcurrent, pollMs]
      for (const { windowMs, limit } of policy.windows) args.push(windowMs, limit)
      const sent = send(key, args) as Promise<[number, number]>
      const [granted, wait] = await bounded(sent, timeoutMs).catch((error: unknown) => {
        // The command may still run once Redis answers (ioredis keeps it queued): a grant nobody
        // holds would block a slot for leaseMs, so hand it back.
        sent.then(
          ([late]) => late === 1 && send(key, ['release', leaseId]).catch(() => {}),
          () => {},
        )
        throw error
      })
      return granted === 1 ? { granted: true } : { granted: false, retryInMs: Number(wait) }
    },
    async release(key: string, leaseId: string): Promise<void> {
      await run(key, ['release', leaseId])
    },
    async pause(key: string, ms: number): Promise<void> {
      await run(key, ['pause', Math.ceil(ms)])
    },
  }
}

/** `work`, or a rejection once `ms` pass without its answer. */
function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new PosterError(
            'POSTER_LIMITER_UNAVAILABLE',
            `redisRateLimitStore: no answer within ${ms} ms; Redis may be frozen or failing over (pass \`commandTimeout\` and, with Sentinel, \`failoverDetector: true\` to ioredis; raise \`timeout\` if it is merely slow).`,
          ),
        ),
      ms,
    )
  })
  return Promise.race([work, expired]).finally(() => clearTimeout(timer))
}
