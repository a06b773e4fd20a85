import type { Cluster, Redis } from 'ioredis'
import { CacheError } from './errors'

/** What the Redis store and bus take: an ioredis `Redis` or `Cluster`. */
export type Client = Redis | Cluster

export function assertClient(client: unknown, what: string): asserts client is Client {
  if (typeof client !== 'object' || client === null || typeof (client as Redis).get !== 'function') {
    throw new CacheError('CACHE_INVALID_ARGUMENT', `${what} needs { client: an ioredis Redis or Cluster }.`)
  }
}
