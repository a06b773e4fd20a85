import { luaScript, runScript } from '@rc/internal'
import type { Cluster, Redis } from 'ioredis'
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

  // Both keys of an account share its hash slot, so the script runs on Redis Cluster too.
  const run = (key: string, args: Array<string | number>) =>
    runScript(client, SCRIPT, [`${prefix}{${key}}`, `${prefix}{${key}}:pause`], args)

  return {
    async tryAcquire(key: string, leaseId: string, policy: RateLimitPolicy): Promise<AcquireResult> {
      const args: Array<string | number> = ['acquire', leaseId, policy.leaseMs, policy.maxConcurrent, pollMs]
      for (const { windowMs, limit } of policy.windows) args.push(windowMs, limit)
      const [granted, wait] = (await run(key, args)) as [number, number]
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
