import { Cluster, Redis, type RedisOptions } from 'ioredis'

export interface HostPort {
  host: string
  port: number
}

/** Credentials and database of the data nodes (a Cluster has only db 0). */
export interface RedisAuth {
  username?: string
  password?: string
  db?: number
}

/** Where the app's Redis is: one server (REDIS_URL), a Sentinel set, or a Cluster. */
export type RedisTarget =
  | { kind: 'standalone'; url: string }
  | { kind: 'sentinel'; sentinels: HostPort[]; name: string; auth: RedisAuth }
  | { kind: 'cluster'; nodes: HostPort[]; auth: RedisAuth }

/** `host:port,host:port` (REDIS_SENTINELS, REDIS_CLUSTER_NODES); throws naming the bad entry. */
export function parseHostPorts(text: string, what: string): HostPort[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(entry)
      const port = Number(match?.[2])
      if (!match || port < 1 || port > 65535) {
        throw new Error(`${what} must be host:port pairs separated by commas; got ${JSON.stringify(entry)}`)
      }
      return { host: match[1]!.replace(/^\[|\]$/g, ''), port }
    })
}

/** Username, password and db of a redis:// URL, for the data nodes behind Sentinel or Cluster. */
export function authOf(url: string | undefined): RedisAuth {
  if (!url) return {}
  const parsed = new URL(url)
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
  }
}

/**
 * ioredis options of one target (everything but a Cluster's seed nodes). Through Sentinel the client
 * follows `+switch-master` at once (`failoverDetector`): without it, a client whose primary froze keeps
 * waiting on its open socket.
 */
export function redisOptionsOf(target: RedisTarget, options: RedisOptions): RedisOptions {
  if (target.kind === 'standalone') {
    const { hostname, port } = new URL(target.url)
    return { ...authOf(target.url), host: hostname, port: Number(port || 6379), ...options }
  }
  if (target.kind === 'sentinel') {
    return {
      sentinels: target.sentinels,
      name: target.name,
      failoverDetector: true,
      ...target.auth,
      ...options,
    }
  }
  const { db: _db, ...auth } = target.auth
  return { ...auth, ...options }
}

/** A connected client of the target with these options; the caller closes it. */
export function createRedisClient(target: RedisTarget, options: RedisOptions): Redis | Cluster {
  if (target.kind === 'cluster') {
    return new Cluster(target.nodes, { redisOptions: redisOptionsOf(target, options) })
  }
  const client = new Redis(redisOptionsOf(target, options))
  return target.kind === 'sentinel' ? followFailovers(client) : client
}

interface WithDetector {
  connector?: { failoverDetector?: { cleanup(): void } | null }
}

/**
 * Works around a race in ioredis 5.11 (fixed upstream by redis/ioredis#2198, not yet released): a
 * connection's failover detector outlives it, and a `+switch-master` it hears while the client is
 * reconnecting (the primary was killed) ends the client for good: status `end`, every command
 * "Connection is closed.". Measured here: 2 of 9 Sentinel kills left BullMQ's producer so, none of 8
 * with this. The detector is dropped when its connection closes (the next connection makes its own),
 * in every duplicate too: BullMQ duplicates a worker's connection for its blocking reads.
 */
export function followFailovers(client: Redis): Redis {
  client.on('close', () => (client as unknown as WithDetector).connector?.failoverDetector?.cleanup())
  const duplicate = client.duplicate.bind(client)
  client.duplicate = (override?: Partial<RedisOptions>) => followFailovers(duplicate(override))
  return client
}

/**
 * A key prefix that keeps multi-key commands in one slot on a Cluster: BullMQ's Lua scripts touch
 * several keys of a queue, so its prefix must be a hash tag there (`{rc-app:bull}`).
 */
export function slotPrefix(target: RedisTarget, prefix: string): string {
  return target.kind === 'cluster' ? `{${prefix}}` : prefix
}
