import type { Cluster, Redis } from 'ioredis'
import { CacheError, CacheStoreError } from './errors'

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
  let socket: unknown
  // Judged on each call, not on 'ready', which ioredis emits a tick after commands may already
  // go out on the new connection.
  const generationNow = () => {
    const stream = redis.stream as { remoteAddress?: string; remotePort?: number } | undefined
    if (stream === socket || redis.status !== 'ready' || !stream?.remotePort) return generation
    socket = stream
    const now = `${stream.remoteAddress}:${stream.remotePort}`
    if (server !== undefined && now !== server) generation++
    server = now
    return generation
  }
  generationNow()
  return { generation: generationNow }
}

/** Throws the first error of a pipeline or transaction (null results: the transaction was aborted). */
export function failOn(results: [Error | null, unknown][] | null, what: string): void {
  const failed = results?.find(([error]) => error)
  if (results && !failed) return
  const cause = failed?.[0] ?? undefined
  throw new CacheStoreError('redis', 'failed', `failed ${what}${cause ? ` (${cause.message})` : ''}`, cause)
}
