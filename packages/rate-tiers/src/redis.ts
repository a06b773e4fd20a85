import { runScript } from '@rc/internal'
import type { Cluster, Redis } from 'ioredis'
import { type Duration, toMs } from './duration'
import { createBatcher } from './redis/batcher'
import { commandGuard } from './redis/command-guard'
import {
  algorithmScripts,
  encodeAdjustment,
  encodeDecisions,
  encodeSingle,
  isSingle,
  presenceScript,
} from './redis/scripts'
import { ALGORITHMS, type RateStore, type StoreAdjustment, type StoreCall, type StoreOutcome } from './types'

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

const outcome = (): StoreOutcome => ({ allowed: false, remaining: 0, resetMs: 0, retryAfterMs: 0, nextMs: 0 })

/**
 * Usage in Redis: one Lua script run per decision (or per batch of decisions made while a run is in
 * flight), EVALSHA reloaded on NOSCRIPT, time from Redis `TIME`, and all keys of one rate-limited
 * key in one Cluster slot through the `{key}` hash tag.
 */
export function redisRateStore(options: RedisRateStoreOptions): RateStore {
  const { client } = options
  const prefix = options.prefix ?? 'rt:'
  const timeoutMs = toMs(options.timeout ?? '500ms', 'redisRateStore timeout')
  const scripts = algorithmScripts(ALGORITHMS)
  const storageKey = (key: string, name: string) => `${prefix}{${key}}${name}`
  const guarded = commandGuard(client, timeoutMs)

  function send(calls: readonly StoreCall[]): Promise<number[]> {
    const scriptsOf = scripts.get(calls[0]!.algorithm)!
    const single = calls.length === 1 && isSingle(calls[0]!)
    const { keys, args } = single ? encodeSingle(calls[0]!, storageKey) : encodeDecisions(calls, storageKey)
    const run = single ? scriptsOf.single : scriptsOf.general
    return guarded(() => runScript(client, run, keys, args) as Promise<number[]>)
  }

  // A Cluster run must stay within one slot: only calls for the same key share it there.
  const decideInto = createBatcher(
    client.isCluster ? (call) => `${call.algorithm}\u0000${call.key}` : (call) => call.algorithm,
    send,
  )

  return {
    name: 'redis',
    decideInto,
    async decide(call) {
      const out = call.limits.map(outcome)
      const at = await decideInto(call, out)
      for (const o of out) o.at = at
      return out
    },
    async adjust(adjustment: StoreAdjustment) {
      const { keys, args } = encodeAdjustment(adjustment, storageKey)
      const reply = await guarded(
        () => runScript(client, scripts.get(adjustment.algorithm)!.general, keys, args) as Promise<number[]>,
      )
      return reply[0]! / 1000
    },
    presence(instance, ttlMs) {
      return guarded(
        () => runScript(client, presenceScript, [`${prefix}presence`], [instance, ttlMs]) as Promise<number>,
      )
    },
    async delete(key, names) {
      if (names.length === 0) return
      const keys = names.flatMap((name) => [storageKey(key, name), `${storageKey(key, name)}!b`])
      await guarded(() => client.del(...keys))
    },
  }
}
