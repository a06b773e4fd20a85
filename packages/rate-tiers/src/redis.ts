import { luaScript, runScript, type Script } from '@rc/internal'
import type { Cluster, Redis } from 'ioredis'
import { type Duration, toMs } from './duration'
import { createBatcher } from './redis/batcher'
import { commandGuard } from './redis/command-guard'
import { scriptSource, singleScriptSource } from './redis/scripts'
import { ALGORITHMS, type Algorithm, type RateStore, type StoreCall } from './types'

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

/**
 * Usage in Redis: one Lua script run per decision (or per batch of decisions made in the same
 * tick), EVALSHA reloaded on NOSCRIPT, time from Redis `TIME`, and all keys of one rate-limited
 * key in one Cluster slot through the `{key}` hash tag.
 */
export function redisRateStore(options: RedisRateStoreOptions): RateStore {
  const { client } = options
  const prefix = options.prefix ?? 'rt:'
  const timeoutMs = toMs(options.timeout ?? '500ms', 'redisRateStore timeout')
  const scripts = new Map<Algorithm, Script>(ALGORITHMS.map((a) => [a, luaScript(scriptSource(a))]))
  const singles = new Map<Algorithm, Script>(ALGORITHMS.map((a) => [a, luaScript(singleScriptSource(a))]))
  const storageKey = (key: string, name: string) => `${prefix}{${key}}${name}`

  const guarded = commandGuard(client, timeoutMs)

  function send(calls: readonly StoreCall[]): Promise<number[]> {
    if (calls.length === 1 && calls[0]!.limits.length === 1) return sendSingle(calls[0]!)
    const keys: string[] = []
    const args: (string | number)[] = [calls.length]
    for (const { key, limits, cost, charge } of calls) {
      args.push(charge ? '1' : '0', cost, limits.length)
      for (const l of limits) {
        keys.push(storageKey(key, l.name))
        args.push(l.limit, l.windowMs, l.burst)
      }
    }
    const run = scripts.get(calls[0]!.algorithm)!
    return guarded(() => runScript(client, run, keys, args) as Promise<number[]>)
  }

  // One decision over one limit (every call when calls are not concurrent): its own shorter script.
  function sendSingle({ algorithm, key, limits, cost, charge }: StoreCall): Promise<number[]> {
    const l = limits[0]!
    const keys = [storageKey(key, l.name)]
    const args = [charge ? '1' : '0', cost, l.limit, l.windowMs, l.burst]
    const run = singles.get(algorithm)!
    return guarded(() => runScript(client, run, keys, args) as Promise<number[]>)
  }

  // A Cluster run must stay within one slot: only calls for the same key share it there.
  const decide = createBatcher(
    client.isCluster ? (call) => `${call.algorithm}\u0000${call.key}` : (call) => call.algorithm,
    send,
  )

  return {
    name: 'redis',
    decide,
    async delete(key, names) {
      if (names.length === 0) return
      await guarded(() => client.del(...names.map((name) => storageKey(key, name))))
    },
  }
}
