import type { Cluster, Redis } from 'ioredis'
import { CacheError } from './errors'

/** What the Redis store and bus take: an ioredis `Redis` or `Cluster`. */
export type Client = Redis | Cluster

export function assertClient(client: unknown, what: string): asserts client is Client {
  if (typeof client !== 'object' || client === null || typeof (client as Redis).get !== 'function') {
    throw new CacheError('CACHE_INVALID_ARGUMENT', `${what} needs { client: an ioredis Redis or Cluster }.`)
  }
}

/**
 * Counts changes of the servers behind a client: the address a `Redis` is
 * connected to (through Sentinel, the new primary after a failover), or a
 * Cluster's set of masters. A reconnect to the same server changes nothing.
 */
export function serverWatch(client: Client): { generation: () => number } {
  let generation = 0
  if (client.isCluster) {
    const cluster = client as Cluster
    let masters: Set<string> | undefined
    let dirty = true
    const mark = () => {
      dirty = true
    }
    cluster.on('+node', mark)
    cluster.on('-node', mark)
    cluster.on('refresh', mark)
    return {
      generation() {
        // Nodes join one by one while the client connects: judge the ready set only.
        if (!dirty || cluster.status !== 'ready') return generation
        dirty = false
        const now = new Set(cluster.nodes('master').map((n) => `${n.options.host}:${n.options.port}`))
        // A master that was not one before (a promoted replica) may lack acknowledged writes.
        if (masters && [...now].some((m) => !masters!.has(m))) generation++
        if (now.size > 0) masters = now
        return generation
      },
    }
  }
  const redis = client as Redis
  let server: string | undefined
  const seen = () => {
    const stream = redis.stream as { remoteAddress?: string; remotePort?: number } | undefined
    if (!stream?.remotePort) return
    const now = `${stream.remoteAddress}:${stream.remotePort}`
    if (server !== undefined && now !== server) generation++
    server = now
  }
  redis.on('ready', seen)
  if (redis.status === 'ready') seen()
  return { generation: () => generation }
}
