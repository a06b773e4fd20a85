import { createHash } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'

/** A Lua script with its SHA1, so callers send EVALSHA and ship the source only when Redis lost it. */
export interface Script {
  readonly source: string
  readonly sha: string
}

export function luaScript(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/**
 * EVALSHA, and on NOSCRIPT (after SCRIPT FLUSH, a restart, or a failover to a replica that never
 * saw the script) EVAL, which also puts the script back into the server's cache.
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
