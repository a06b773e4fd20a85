import { type RedisServer, startRedis } from '@rc/test-services'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { createCache } from '../src/index'
import { memoryStore } from '../src/memory'
import { redisStore } from '../src/redis'
import { chaosStore } from './support/chaos-store'
import { waitForMode } from './support/wait-for-mode'

// What asynchronous replication does in a failover, made deterministic: the client reconnects to
// another server (the "promoted replica") that has the older copy of a key but not the last write.
const RECOVERY_BOUND_MS = 20_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('after a failover to a server lacking the last writes', () => {
  const servers: RedisServer[] = []
  const clients: Redis[] = []
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect()
    await Promise.all(servers.splice(0).map((s) => s.destroy()))
  })

  async function failover(l1: boolean) {
    const [oldPrimary, replica] = [await startRedis(), await startRedis()]
    servers.push(oldPrimary, replica)
    const client = new Redis({ port: oldPrimary.port, host: '127.0.0.1', retryStrategy: () => 20 })
    client.on('error', () => {})
    clients.push(client)
    const direct = (port: number) => {
      const c = new Redis({ port, host: '127.0.0.1' })
      c.on('error', () => {})
      clients.push(c)
      return c
    }
    const [fromOld, toReplica] = [direct(oldPrimary.port), direct(replica.port)]
    const prefix = `moved-${l1}`
    const cache = createCache({
      store: redisStore({ client }),
      fallback: memoryStore(),
      l1,
      prefix,
      storeTimeout: 200,
    })
    const replicate = async (key: string) => {
      const stored = `${prefix}||${key}`
      await toReplica.set(stored, (await fromOld.get(stored))!)
    }
    await cache.set('old', 'written long before')
    await replicate('old')
    // Past the remembered window (1-2 s): this write is not replayed, and survives.
    await sleep(2_200)
    await cache.set('k', 'v1')
    await replicate('k')
    await cache.set('k', 'v2') // acknowledged, never replicated
    // The "failover": the client's next connection goes to the replica.
    client.options.port = replica.port
    await oldPrimary.stop()
    return { cache, toReplica, prefix }
  }

  for (const l1 of [false, true]) {
    it(`the writer never reads back the older value: its last writes read as misses (l1 ${l1 ? 'on' : 'off'})`, async () => {
      const { cache, toReplica, prefix } = await failover(l1)
      let read: unknown
      const started = performance.now()
      // Until the cache has noticed the new server and replayed; every read meanwhile counts too.
      do {
        read = await cache.get('k')
        await cache.get('not-in-l1') // a store call, through which the cache notices the new server
        expect(read, 'an older value than this instance wrote').not.toBe('v1')
        await sleep(20)
      } while (
        (await toReplica.exists(`${prefix}||k`)) === 1 &&
        performance.now() - started < RECOVERY_BOUND_MS
      )
      expect(await toReplica.exists(`${prefix}||k`)).toBe(0)
      expect(await cache.get('k')).toBeUndefined()
      // Writes older than the window are left alone.
      expect(await cache.get('old')).toBe('written long before')
      await cache.close()
    }, 40_000)
  }

  // A Cluster client takes the probe's ping on a live master before it has seen the replica that
  // replaced a dead one: the cache recovers "on the same servers" and learns of the promotion after.
  it('a server change noticed only after recovery still turns the last writes into misses', async () => {
    const server = await startRedis()
    servers.push(server)
    const client = new Redis({ port: server.port, host: '127.0.0.1' })
    client.on('error', () => {})
    clients.push(client)
    const store = chaosStore(redisStore({ client }))
    const prefix = 'late-noticed'
    const cache = createCache({
      store,
      fallback: memoryStore(),
      prefix,
      storeTimeout: 200,
      probeInterval: 50,
    })
    const stored = `${prefix}||k`
    await cache.set('k', 'v1')
    const v1 = (await client.get(stored))!
    await cache.set('k', 'v2') // acknowledged; the replica that will be promoted never got it
    store.down = true
    await cache.set('during', 'the outage')
    expect(cache.stats().mode).toBe('fallback')
    store.down = false
    await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)
    // The promotion comes to light: the servers now hold the replica's older copy.
    await client.set(stored, v1)
    store.serverChanged()
    const started = performance.now()
    let read: unknown
    do {
      read = await cache.get('k')
      expect(read, 'an older value than this instance wrote').not.toBe('v1')
      await sleep(20)
    } while ((await client.exists(stored)) === 1 && performance.now() - started < RECOVERY_BOUND_MS)
    expect(await client.exists(stored)).toBe(0)
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.get('during')).toBe('the outage')
    await cache.close()
  })
})
