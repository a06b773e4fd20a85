import type { ChainableCommander, Cluster, Redis } from 'ioredis'
import { type Duration, toMs } from './duration'
import { CacheError, CacheReplicationError } from './errors'
import { failOn } from './redis-client'
import type { CacheEvent } from './types'

export interface RedisDurability {
  /** Replicas that must acknowledge each write (Redis `WAIT numreplicas`). */
  replicas: number
  /**
   * Longest a write waits for them (`WAIT`'s timeout). Default `'20ms'`. Keep it well under the
   * cache's `storeTimeout`: a write waits for this plus its round trip.
   */
  timeout?: Duration
}

/**
 * Writes followed by `WAIT` in the same pipeline (one round trip, on the
 * node that took the write). A shortfall is reported, not thrown: the write
 * is on the primary and the call succeeds.
 */
export class DurableWrites {
  readonly replicas: number
  readonly timeoutMs: number
  private emit: ((event: CacheEvent) => void) | undefined

  constructor(durability: RedisDurability) {
    if (!Number.isInteger(durability.replicas) || durability.replicas < 1) {
      throw new CacheError(
        'CACHE_INVALID_ARGUMENT',
        `redisStore durability.replicas must be a positive integer, got ${durability.replicas}.`,
      )
    }
    this.replicas = durability.replicas
    this.timeoutMs = toMs(durability.timeout ?? '20ms', 'redisStore durability.timeout')
    // WAIT 0 waits forever.
    if (this.timeoutMs < 1) {
      throw new CacheError('CACHE_INVALID_ARGUMENT', 'redisStore durability.timeout must be at least 1 ms.')
    }
  }

  observe(emit: (event: CacheEvent) => void): void {
    this.emit = emit
  }

  /** Runs the commands `build` adds, then WAIT; resolves to the commands' results. */
  async run(node: Redis | Cluster, key: string, build: (p: ChainableCommander) => void): Promise<unknown[]> {
    const pipeline = node.pipeline()
    build(pipeline)
    pipeline.wait(this.replicas, this.timeoutMs)
    const results = await pipeline.exec()
    failOn(results, 'a write and its WAIT')
    this.check(key, Number(results!.at(-1)![1]))
    return results!.slice(0, -1).map(([, value]) => value)
  }

  /** WAIT alone, after writes already sent on this connection (a transaction). */
  async after(node: Redis, key: string): Promise<void> {
    this.check(key, await node.wait(this.replicas, this.timeoutMs))
  }

  private check(key: string, acked: number): void {
    if (acked >= this.replicas) return
    this.emit?.({
      type: 'unreplicated',
      key,
      error: new CacheReplicationError(key, acked, this.replicas, this.timeoutMs),
    })
  }
}
