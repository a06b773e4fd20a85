import { type RedisServer, redisJson, startRedis } from './redis'
import { logTail, waitUntil } from './wait'

export interface RedisSentinelOptions {
  /** The master name the Sentinels monitor (`new Redis({ sentinels, name })`). Default `'rc-primary'`. */
  name?: string
  /** Replicas of the primary. Default 1. */
  replicas?: number
  /**
   * Extra `redis-server` arguments for the primary and replicas, e.g.
   * `['--min-replicas-to-write', '1']` so a thawed old primary refuses the writes it would lose.
   */
  nodeArgs?: string[]
  /** Sentinel `down-after-milliseconds`: silence before a node counts as down. Default 1000. */
  downAfterMs?: number
  /**
   * Sentinel `failover-timeout`. A failover whose election fails is retried only after twice this.
   * Default 5000.
   */
  failoverTimeoutMs?: number
}

/** A primary, its replicas and three Sentinels (quorum 2) on free loopback ports. */
export interface RedisSentinel {
  /** The master name the Sentinels monitor. */
  readonly name: string
  /** The Sentinels, for `new Redis({ sentinels, name })`. */
  readonly sentinels: { host: string; port: number }[]
  /** The data nodes: `[initial primary, ...replicas]`. Roles change with failovers. */
  readonly nodes: RedisServer[]
  /** The Sentinel processes. */
  readonly sentinelNodes: RedisServer[]
  /** The data node that a majority of the Sentinels name as primary right now. */
  currentPrimary(): Promise<RedisServer>
  /** SIGKILL the current primary (it refuses connections from then on); returns it. */
  killPrimary(): Promise<RedisServer>
  /** SIGSTOP the current primary: connections stay open and nothing answers. Returns it. */
  freezePrimary(): Promise<RedisServer>
  /**
   * SIGCONT the node `freezePrimary` stopped. If a failover happened meanwhile, Sentinel makes it a
   * replica of the new primary, about 10 s later; until then it still accepts writes, which its
   * resync then discards.
   */
  thaw(): void
  /** Ask the Sentinels for a planned failover (`SENTINEL FAILOVER`); pair with `waitForFailover`. */
  failover(): Promise<void>
  /**
   * Resolves with the new primary once every Sentinel names a node other than the one that was
   * primary at the last `killPrimary` / `freezePrimary` / `failover` (or at this call), and that
   * node answers ROLE as master. Rejects after `timeoutMs` (default 30 s) with what was observed.
   */
  waitForFailover(options?: { timeoutMs?: number }): Promise<RedisServer>
  /** Stop every process (thawing a frozen one) and remove their directories. */
  destroy(): Promise<void>
}

const SENTINELS = 3
const QUORUM = 2
// Per-call bound on a redis-cli probe: a frozen node must not stall a wait loop.
const PROBE_MS = 2_000

type SentinelEntry = Record<string, string>

export async function startRedisSentinel(options: RedisSentinelOptions = {}): Promise<RedisSentinel> {
  const name = options.name ?? 'rc-primary'
  const replicaCount = options.replicas ?? 1
  const downAfterMs = options.downAfterMs ?? 1_000
  const failoverTimeoutMs = options.failoverTimeoutMs ?? 5_000
  // A replica's first sync waits repl-diskless-sync-delay (5 s by default) for others to join it.
  const dataArgs = ['--repl-diskless-sync-delay', '0', ...(options.nodeArgs ?? [])]
  const nodes: RedisServer[] = []
  const sentinelNodes: RedisServer[] = []

  async function destroyAll(): Promise<void> {
    await Promise.all(sentinelNodes.map((s) => s.destroy()))
    await Promise.all(nodes.map((n) => n.destroy()))
  }

  try {
    const primary = await startRedis({ args: dataArgs })
    nodes.push(primary)
    for (let i = 0; i < replicaCount; i++) {
      nodes.push(await startRedis({ args: [...dataArgs, '--replicaof', primary.host, String(primary.port)] }))
    }
    await waitUntil(
      async () => {
        for (const replica of nodes.slice(1)) {
          const role = await redisJson<unknown[]>(replica.port, ['ROLE'], PROBE_MS)
          if (role[3] !== 'connected') return undefined
        }
        return true
      },
      {
        timeoutMs: 20_000,
        onTimeout: () => new Error('[@rc/test-services] replicas did not sync with the primary'),
      },
    )

    const config = [
      `sentinel monitor ${name} ${primary.host} ${primary.port} ${QUORUM}`,
      `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
      `sentinel failover-timeout ${name} ${failoverTimeoutMs}`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n')
    for (let i = 0; i < SENTINELS; i++) {
      sentinelNodes.push(await startRedis({ config, args: ['--sentinel'] }))
    }
    // Sentinels learn replicas from the primary's INFO and each other from hello messages
    // (every 2 s); a failover before that could lack its quorum.
    await waitUntil(
      async () => {
        for (const sentinel of sentinelNodes) {
          const addr = await redisJson<string[]>(
            sentinel.port,
            ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name],
            PROBE_MS,
          )
          if (Number(addr[1]) !== primary.port) return undefined
          const replicas = await redisJson<SentinelEntry[]>(
            sentinel.port,
            ['SENTINEL', 'REPLICAS', name],
            PROBE_MS,
          )
          const ready = replicas.filter((r) => r.flags === 'slave' && r['master-link-status'] === 'ok')
          if (ready.length !== replicaCount) return undefined
          const peers = await redisJson<SentinelEntry[]>(
            sentinel.port,
            ['SENTINEL', 'SENTINELS', name],
            PROBE_MS,
          )
          if (peers.filter((p) => p.flags === 'sentinel').length !== SENTINELS - 1) return undefined
        }
        return true
      },
      {
        timeoutMs: 30_000,
        intervalMs: 100,
        onTimeout: () =>
          new Error(
            `[@rc/test-services] Sentinels did not all discover primary, replicas and each other within 30 s.\n` +
              `Sentinel log:\n${logTail(sentinelNodes[0]!.logFile)}`,
          ),
      },
    )
  } catch (error) {
    await destroyAll()
    throw error
  }

  function nodeAt(port: number): RedisServer {
    const node = nodes.find((n) => n.port === port)
    if (!node)
      throw new Error(`[@rc/test-services] Sentinels name port ${port}, which is none of the data nodes`)
    return node
  }

  /** Each Sentinel's answer (its primary's port), `undefined` for one that did not answer. */
  async function sentinelViews(): Promise<(number | undefined)[]> {
    return Promise.all(
      sentinelNodes.map(async (s) => {
        try {
          const addr = await redisJson<string[]>(
            s.port,
            ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name],
            PROBE_MS,
          )
          return Number(addr[1])
        } catch {
          return undefined
        }
      }),
    )
  }

  async function currentPrimary(): Promise<RedisServer> {
    const views = await sentinelViews()
    const majority = Math.floor(SENTINELS / 2) + 1
    for (const port of new Set(views)) {
      if (port !== undefined && views.filter((v) => v === port).length >= majority) return nodeAt(port)
    }
    throw new Error(
      `[@rc/test-services] no majority of Sentinels agrees on a primary (ports: ${views.join(', ')})`,
    )
  }

  // The primary a pending failover moves away from.
  let failedPort: number | undefined
  let frozen: RedisServer | undefined

  return {
    name,
    sentinels: sentinelNodes.map((s) => ({ host: s.host, port: s.port })),
    nodes,
    sentinelNodes,
    currentPrimary,
    async killPrimary() {
      const primary = await currentPrimary()
      failedPort = primary.port
      await primary.stop()
      return primary
    },
    async freezePrimary() {
      const primary = await currentPrimary()
      failedPort = primary.port
      primary.pause()
      frozen = primary
      return primary
    },
    thaw() {
      frozen?.resume()
      frozen = undefined
    },
    async failover() {
      failedPort = (await currentPrimary()).port
      await redisJson(sentinelNodes[0]!.port, ['SENTINEL', 'FAILOVER', name], PROBE_MS)
    },
    async waitForFailover({ timeoutMs = 30_000 } = {}) {
      const from = failedPort ?? (await currentPrimary()).port
      let observed = 'nothing yet'
      const promoted = await waitUntil(
        async () => {
          const views = await sentinelViews()
          observed = `Sentinels name ports [${views.join(', ')}]`
          const port = views[0]
          if (port === undefined || port === from || views.some((v) => v !== port)) return undefined
          const role = await redisJson<unknown[]>(port, ['ROLE'], PROBE_MS)
          observed += `, ${port} answers ROLE ${role[0]}`
          return role[0] === 'master' ? nodeAt(port) : undefined
        },
        {
          timeoutMs,
          intervalMs: 100,
          onTimeout: () =>
            new Error(
              `[@rc/test-services] no Sentinel failover away from port ${from} within ${timeoutMs} ms: ${observed}.\n` +
                `Sentinel log:\n${logTail(sentinelNodes[0]!.logFile)}`,
            ),
        },
      )
      failedPort = undefined
      return promoted
    },
    destroy: destroyAll,
  }
}
