import { createHash } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'

/** A script with its SHA1, so callers send EVALSHA and only ship the source when Redis lost it. */
export interface Script {
  source: string
  sha: string
}

export function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/**
 * EVALSHA, and on NOSCRIPT (after SCRIPT FLUSH, a restart or a failover to a replica that never
 * saw it) EVAL, which also puts the script back into the server's cache.
 */
export function runScript(
  client: Redis | Cluster,
  { source, sha }: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  return client.evalsha(sha, keys.length, ...keys, ...args).catch((error: unknown) => {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return client.eval(source, keys.length, ...keys, ...args)
  })
}
