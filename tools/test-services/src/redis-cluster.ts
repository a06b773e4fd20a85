import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { type RedisServer, redisCli, redisJson, startRedis } from './redis'
import { logTail, waitUntil } from './wait'

const run = promisify(execFile)

export interface RedisClusterOptions {
  /** Replicas per master. Default 0. */
  replicas?: number
}

export interface RedisCluster {
  /**
   * Every node: the `masters` first (master `i` got the `i`-th slot range), then the replicas,
   * `replicas` per master in master order. Roles change with failovers; `nodes` keeps this order.
   */
  readonly nodes: RedisServer[]
  /** Seed list for `new Redis.Cluster(startupNodes)`. */
  readonly startupNodes: { host: string; port: number }[]
  /** The nodes serving slots now, ordered by their first slot (as a live node sees it). */
  masters(): Promise<RedisServer[]>
  /** The index in `masters()` (for `killMaster`) of the master serving `key` now. */
  masterIndexOf(key: string): Promise<number>
  /** SIGKILL the master serving the `i`-th slot range now (see `masters()`); returns it. */
  killMaster(i: number): Promise<RedisServer>
  /**
   * After `killMaster`: resolves with the node that took over the killed master's slots, once
   * every live node names it as their owner, it answers ROLE as master and every live node
   * reports `cluster_state:ok`. Rejects after `timeoutMs` (default 30 s) with what was observed.
   */
  waitForFailover(options?: { timeoutMs?: number }): Promise<RedisServer>
  destroy(): Promise<void>
}

// Per-call bound on a redis-cli probe, so a dead or frozen node cannot stall a wait loop.
const PROBE_MS = 2_000

interface ClusterNodeLine {
  id: string
  port: number
  flags: string[]
  masterId: string
  /** Inclusive [start, end] ranges this node serves. */
  slots: [number, number][]
}

function parseClusterNodes(text: string): ClusterNodeLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, address, flags, masterId, , , , , ...slots] = line.split(' ')
      return {
        id: id!,
        port: Number(address!.split('@')[0]!.split(':')[1]),
        flags: flags!.split(','),
        masterId: masterId!,
        // Entries in brackets are slots being migrated, not served.
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => {
            const [start, end = start] = s.split('-').map(Number)
            return [start!, end!] as [number, number]
          }),
      }
    })
}

const serves = (node: ClusterNodeLine, slot: number) => node.slots.some(([a, b]) => a <= slot && slot <= b)

/** A Redis Cluster of `masters` masters, each with `options.replicas` replicas, on free loopback ports. */
export async function startRedisCluster(
  masters = 3,
  options: RedisClusterOptions = {},
): Promise<RedisCluster> {
  const replicasPerMaster = options.replicas ?? 0
  const nodes: RedisServer[] = []
  try {
    for (let i = 0; i < masters * (1 + replicasPerMaster); i++) {
      nodes.push(
        await startRedis({
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '2000',
            // A replica's first sync would otherwise wait 5 s for other replicas to join it.
            '--repl-diskless-sync-delay',
            '0',
          ],
        }),
      )
    }
    const masterNodes = nodes.slice(0, masters)
    await run('redis-cli', [
      '--cluster',
      'create',
      ...masterNodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ])
    // Replicas are attached by hand rather than by `--cluster-replicas`, which picks the pairs
    // itself: this way master i's replicas are known without asking.
    const masterIds = await Promise.all(masterNodes.map((m) => m.cli('CLUSTER', 'MYID')))
    const replicaNodes = nodes.slice(masters)
    for (const [r, replica] of replicaNodes.entries()) {
      const master = masterNodes[Math.floor(r / replicasPerMaster)]!
      const masterId = masterIds[Math.floor(r / replicasPerMaster)]!
      await replica.cli('CLUSTER', 'MEET', master.host, String(master.port))
      await waitUntil(
        async () => {
          const known = parseClusterNodes(await replica.cli('CLUSTER', 'NODES'))
          return known.some((n) => n.id === masterId && !n.flags.includes('handshake')) || undefined
        },
        {
          timeoutMs: 20_000,
          onTimeout: () => new Error(`[@rc/test-services] replica ${replica.port} did not meet its master`),
        },
      )
      await replica.cli('CLUSTER', 'REPLICATE', masterId)
    }
    await waitUntil(
      async () => {
        for (const node of nodes) {
          const info = await redisCli(node.port, ['CLUSTER', 'INFO'], PROBE_MS)
          if (!info.includes('cluster_state:ok')) return undefined
          // Every node must know every replica as one, or a failover could lack its vote.
          const known = parseClusterNodes(await redisCli(node.port, ['CLUSTER', 'NODES'], PROBE_MS))
          if (known.length !== nodes.length) return undefined
          if (known.some((n) => n.flags.some((f) => ['handshake', 'noaddr', 'fail?', 'fail'].includes(f)))) {
            return undefined
          }
          if (known.filter((n) => n.flags.includes('slave')).length !== replicaNodes.length) return undefined
        }
        for (const replica of replicaNodes) {
          const role = await redisJson<unknown[]>(replica.port, ['ROLE'], PROBE_MS)
          if (role[0] !== 'slave' || role[3] !== 'connected') return undefined
        }
        return true
      },
      {
        timeoutMs: 30_000,
        onTimeout: () => new Error('[@rc/test-services] redis cluster did not reach cluster_state:ok'),
      },
    )
  } catch (error) {
    await Promise.all(nodes.map((n) => n.destroy()))
    throw error
  }

  function nodeAt(port: number): RedisServer {
    const node = nodes.find((n) => n.port === port)
    if (!node)
      throw new Error(`[@rc/test-services] the cluster names port ${port}, which is none of its nodes`)
    return node
  }

  async function liveNodes(): Promise<RedisServer[]> {
    const answers = await Promise.all(
      nodes.map((n) => redisCli(n.port, ['PING'], PROBE_MS).catch(() => undefined)),
    )
    return nodes.filter((_, i) => answers[i] === 'PONG')
  }

  async function masterLines(): Promise<ClusterNodeLine[]> {
    for (const node of await liveNodes()) {
      try {
        const known = parseClusterNodes(await redisCli(node.port, ['CLUSTER', 'NODES'], PROBE_MS))
        return known
          .filter((n) => n.slots.length > 0)
          .sort((a, b) => Math.min(...a.slots.map((s) => s[0])) - Math.min(...b.slots.map((s) => s[0])))
      } catch {}
    }
    throw new Error('[@rc/test-services] no cluster node answers CLUSTER NODES')
  }

  // The master killed by killMaster and a slot it served, until waitForFailover sees it taken over.
  let pending: { id: string; slot: number; node: RedisServer } | undefined

  return {
    nodes,
    startupNodes: nodes.map((n) => ({ host: n.host, port: n.port })),
    masters: async () => (await masterLines()).map((m) => nodeAt(m.port)),
    async masterIndexOf(key) {
      const [node] = await liveNodes()
      if (!node) throw new Error('[@rc/test-services] no cluster node answers')
      const slot = Number(await redisCli(node.port, ['CLUSTER', 'KEYSLOT', key], PROBE_MS))
      return (await masterLines()).findIndex((m) => serves(m, slot))
    },
    async killMaster(i) {
      const line = (await masterLines())[i]
      if (!line) throw new Error(`[@rc/test-services] killMaster(${i}): no ${i}-th slot range (0-based)`)
      const node = nodeAt(line.port)
      pending = { id: line.id, slot: line.slots[0]![0], node }
      await node.stop()
      return node
    },
    async waitForFailover({ timeoutMs = 30_000 } = {}) {
      const failed = pending
      if (!failed) throw new Error('[@rc/test-services] waitForFailover() needs a killMaster(i) before it')
      let observed = 'nothing yet'
      const promoted = await waitUntil(
        async () => {
          const live = await liveNodes()
          let owner: number | undefined
          for (const node of live) {
            const info = await redisCli(node.port, ['CLUSTER', 'INFO'], PROBE_MS)
            const known = parseClusterNodes(await redisCli(node.port, ['CLUSTER', 'NODES'], PROBE_MS))
            const serving = known.find((n) => serves(n, failed.slot))
            observed = `node ${node.port}: ${info.match(/cluster_state:\w+/)?.[0]}, slot ${failed.slot} served by ${serving?.port} (${serving?.flags.join(',')})`
            if (!info.includes('cluster_state:ok')) return undefined
            if (!serving || serving.id === failed.id || serving.flags.includes('fail')) return undefined
            if (owner !== undefined && owner !== serving.port) return undefined
            owner = serving.port
          }
          if (owner === undefined) return undefined
          const role = await redisJson<unknown[]>(owner, ['ROLE'], PROBE_MS)
          return role[0] === 'master' ? nodeAt(owner) : undefined
        },
        {
          timeoutMs,
          intervalMs: 100,
          onTimeout: () =>
            new Error(
              `[@rc/test-services] no replica took over slot ${failed.slot} within ${timeoutMs} ms; last seen ${observed}.\n` +
                `Log of a live node:\n${logTail(nodes.find((n) => n !== failed.node)!.logFile)}`,
            ),
        },
      )
      pending = undefined
      return promoted
    },
    async destroy() {
      await Promise.all(nodes.map((n) => n.destroy()))
    },
  }
}
