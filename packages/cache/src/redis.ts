import { luaScript, runScript } from '@rc/internal'
import type { ChainableCommander, Cluster, Redis } from 'ioredis'
import { assertClient, type Client, failOn, serverWatch } from './redis-client'
import { DurableWrites, type RedisDurability } from './redis-durability'
import type { CacheStore } from './types'

export interface RedisStoreOptions {
  /** An ioredis `Redis` or `Cluster`. Yours: the store never connects or quits it. */
  client: Client
  /**
   * After each write, `WAIT` for this many replicas (up to `timeout`), so a failover does not lose
   * what was acknowledged. A write fewer replicas acknowledged still succeeds; it is reported as an
   * `unreplicated` event and counted in `stats().unreplicated`. Off by default. Locks are not waited for.
   */
  durability?: RedisDurability
}

const UNLOCK = luaScript(
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
)
// Compare-and-set for soft expiry: rewrites an entry only if nobody wrote it since it was read.
const REPLACE = luaScript(`
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '' then redis.call('set', KEYS[1], ARGV[2]) else redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1`)
// Keys per SCAN page: Redis's default of 10 makes listing a large prefix take thousands of round trips.
const SCAN_COUNT = 500
const px = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs))

/** Masters to SCAN: every master of a cluster, or the one server. */
function masters(client: Client): Redis[] {
  return client.isCluster ? (client as Cluster).nodes('master') : [client as Redis]
}

/**
 * A store on Redis through ioredis (standalone or Cluster). The first get of
 * a tick is sent at once; the other gets issued in the same tick go out as one
 * MGET (standalone).
 */
export function redisStore(options: RedisStoreOptions): CacheStore {
  assertClient(options?.client, 'redisStore')
  const client = options.client
  const cluster = client.isCluster
  // Before the first connection, commands go out (bounded by the cache's
  // command timeout); after a lost one, ioredis would only queue them.
  let connectedOnce = client.status === 'ready'
  client.once('ready', () => {
    connectedOnce = true
  })
  const starting = new Set(['wait', 'connecting', 'connect'])
  const servers = serverWatch(client)
  const durable = options.durability ? new DurableWrites(options.durability) : undefined
  // The first get of a tick goes out at once as a GET; the others of that tick
  // gather into one MGET, sent on nextTick. A lone get waits for nothing, and
  // a burst costs two commands instead of one per key.
  let tickOpen = false
  let batch:
    | { keys: string[]; resolves: ((v: string | undefined) => void)[]; rejects: ((e: unknown) => void)[] }
    | undefined
  const closeTick = () => {
    tickOpen = false
    const current = batch
    batch = undefined
    if (!current) return
    const { keys, resolves, rejects } = current
    ;(client as Redis).mget(keys).then(
      (values) => {
        for (let i = 0; i < resolves.length; i++) resolves[i]!(values[i] ?? undefined)
      },
      (error) => {
        for (const reject of rejects) reject(error)
      },
    )
  }
  const orUndefined = (v: string | null) => v ?? undefined

  // Multi-key commands cannot span cluster slots: one command per key there.
  const eachKey = async <T>(keys: string[], one: (key: string) => Promise<T>): Promise<T[]> =>
    Promise.all(keys.map(one))

  async function* scanPages(pattern: string): AsyncGenerator<{ node: Redis; keys: string[] }> {
    for (const node of masters(client)) {
      let cursor = '0'
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT)
        cursor = next
        if (keys.length > 0) yield { node, keys }
      } while (cursor !== '0')
    }
  }

  async function setOne(key: string, value: string, ttlMs: number | undefined): Promise<void> {
    if (durable) {
      await durable.run(client, key, (p) =>
        ttlMs === undefined ? p.set(key, value) : p.set(key, value, 'PX', px(ttlMs)),
      )
      return
    }
    if (ttlMs === undefined) await client.set(key, value)
    else await client.set(key, value, 'PX', px(ttlMs))
  }

  return {
    name: 'redis',
    get(key) {
      if (cluster || !tickOpen) {
        if (!cluster) {
          tickOpen = true
          process.nextTick(closeTick)
        }
        return client.get(key).then(orUndefined)
      }
      return new Promise((resolve, reject) => {
        batch ??= { keys: [], resolves: [], rejects: [] }
        batch.keys.push(key)
        batch.resolves.push(resolve)
        batch.rejects.push(reject)
      })
    },
    async getMany(keys) {
      if (keys.length === 0) return []
      const values = cluster ? await eachKey(keys, (k) => client.get(k)) : await (client as Redis).mget(keys)
      return values.map((v) => v ?? undefined)
    },
    set: setOne,
    async setMany(entries) {
      if (entries.length === 0) return
      if (cluster) {
        await Promise.all(entries.map((e) => setOne(e.key, e.value, e.ttlMs)))
        return
      }
      const add = (pipeline: ChainableCommander) => {
        for (const { key, value, ttlMs } of entries) {
          if (ttlMs === undefined) pipeline.set(key, value)
          else pipeline.set(key, value, 'PX', px(ttlMs))
        }
      }
      if (durable) {
        await durable.run(client, entries[0]!.key, add)
        return
      }
      const pipeline = (client as Redis).pipeline()
      add(pipeline)
      failOn(await pipeline.exec(), 'a batch of SETs')
    },
    async replace(key, expected, value, ttlMs) {
      const args = [expected, value, ttlMs === undefined ? '' : px(ttlMs)]
      // EVAL, not EVALSHA: inside a pipeline a NOSCRIPT could not be retried.
      const written = durable
        ? (await durable.run(client, key, (p) => p.eval(REPLACE.source, 1, key, ...args)))[0]
        : await runScript(client, REPLACE, [key], args)
      return written === 1
    },
    async delete(keys) {
      if (keys.length === 0) return 0
      if (durable) {
        const one = async (ks: string[]) =>
          Number((await durable.run(client, ks[0]!, (p) => p.del(...ks)))[0])
        if (!cluster) return one(keys)
        return (await eachKey(keys, (k) => one([k]))).reduce((a, b) => a + b, 0)
      }
      if (!cluster) return (client as Redis).del(...keys)
      return (await eachKey(keys, (k) => client.del(k))).reduce((a, b) => a + b, 0)
    },
    async deletePattern(pattern) {
      let deleted = 0
      for await (const { node, keys } of scanPages(pattern)) {
        if (durable) {
          const counts = await durable.run(node, keys[0]!, (p) => {
            for (const key of keys) p.unlink(key)
          })
          for (const count of counts) deleted += Number(count)
          continue
        }
        const pipeline = node.pipeline()
        for (const key of keys) pipeline.unlink(key)
        const results = (await pipeline.exec()) ?? []
        for (const [error, count] of results) if (!error) deleted += Number(count)
      }
      return deleted
    },
    async *scan(pattern) {
      for await (const { keys } of scanPages(pattern)) yield* keys
    },
    async tagVersions(tagKeys) {
      if (tagKeys.length === 0) return []
      const values = cluster
        ? await eachKey(tagKeys, (k) => client.get(k))
        : await (client as Redis).mget(tagKeys)
      return values.map((v) => (v === null ? 0 : Number(v)))
    },
    async bumpTags(tagKeys) {
      if (cluster) {
        await eachKey<unknown>(tagKeys, (k) =>
          durable ? durable.run(client, k, (p) => p.incr(k)) : client.incr(k),
        )
        return
      }
      const multi = (client as Redis).multi()
      for (const key of tagKeys) multi.incr(key)
      failOn(await multi.exec(), 'the tag bump transaction')
      if (durable && tagKeys.length > 0) await durable.after(client as Redis, tagKeys[0]!)
    },
    async lock(key, token, ttlMs) {
      return (await client.set(key, token, 'PX', px(ttlMs), 'NX')) === 'OK'
    },
    async unlock(key, token) {
      await runScript(client, UNLOCK, [key], [token])
    },
    generation: servers.generation,
    observe: durable ? (emit) => durable.observe(emit) : undefined,
    isReady: () => client.status === 'ready' || (!connectedOnce && starting.has(client.status)),
    async ping() {
      await client.ping()
    },
  }
}

export { type RedisBusOptions, redisBus } from './redis-bus'
