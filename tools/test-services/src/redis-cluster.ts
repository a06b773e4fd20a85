import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { type RedisServer, startRedis } from './redis'

const run = promisify(execFile)

export interface RedisCluster {
  readonly nodes: RedisServer[]
  /** Seed list for `new Redis.Cluster(startupNodes)`. */
  readonly startupNodes: { host: string; port: number }[]
  destroy(): Promise<void>
}

/** A Redis Cluster of `masters` masters (no replicas) on free loopback ports. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const nodes: RedisServer[] = []
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await startRedis({
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '2000',
          ],
        }),
      )
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ])
    const deadline = Date.now() + 20_000
    for (const node of nodes) {
      for (;;) {
        const info = await node.cli('CLUSTER', 'INFO')
        if (info.includes('cluster_state:ok')) break
        if (Date.now() > deadline) throw new Error('redis cluster did not reach cluster_state:ok')
        await new Promise((r) => setTimeout(r, 50))
      }
    }
  } catch (error) {
    await Promise.all(nodes.map((n) => n.destroy()))
    throw error
  }
  return {
    nodes,
    startupNodes: nodes.map((n) => ({ host: n.host, port: n.port })),
    async destroy() {
      await Promise.all(nodes.map((n) => n.destroy()))
    },
  }
}
