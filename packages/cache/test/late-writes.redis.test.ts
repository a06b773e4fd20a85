import { randomBytes } from 'node:crypto'
import { type RedisServer, startRedis } from '@rc/test-services'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCache } from '../src/index'
import { memoryStore } from '../src/memory'
import { redisStore } from '../src/redis'
import { chaosStore } from './support/chaos-store'
import { waitForMode } from './support/wait-for-mode'

// A write the cache gave up on is not cancelled: ioredis may still deliver it (a Cluster client
// retries a command through CLUSTERDOWN and a failover for a second or more, with a value the cache
// has since overwritten on its fallback). Made deterministic here with a chaos store around a real
// Redis store that holds one write before passing it on.
const HELD_MS = 400
const RECOVERY_BOUND_MS = 20_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let server: RedisServer
const clients: Redis[] = []
beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => {
  for (const c of clients) c.disconnect()
  await server?.destroy()
})

function makeCache() {
  const client = new Redis({ port: server.port, host: '127.0.0.1' })
  client.on('error', () => {})
  clients.push(client)
  const store = chaosStore(redisStore({ client }))
  const cache = createCache({
    store,
    fallback: memoryStore(),
    prefix: `late-${randomBytes(3).toString('hex')}`,
    storeTimeout: 100,
    probeInterval: 50,
  })
  return { cache, store }
}

const key = (name: string) => (stored: string) => stored.endsWith(`||${name}`)

describe('a write delivered after the cache gave up on it', () => {
  it('a write that timed out and lands later does not overwrite what recovery replayed', async () => {
    const { cache, store } = makeCache()
    await cache.set('k', 1)
    const held = store.holdNext(key('k'), HELD_MS)
    await cache.set('k', 2) // times out: the circuit opens, 2 goes to the fallback
    await held
    expect(cache.stats().mode).toBe('fallback')
    await cache.set('k', 3) // on the fallback, replayed on recovery
    await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)
    await sleep(HELD_MS) // the held write has been delivered by now
    expect(await cache.get('k'), 'the value read back after the held write landed').toBe(3)
    await cache.close()
  })

  it('a replay pass that fails leaves no copy in flight to land after the next pass', async () => {
    const { cache, store } = makeCache()
    await cache.set('a', 1)
    await cache.set('b', 1)
    store.down = true
    await cache.set('a', 2)
    await cache.set('b', 2)
    expect(cache.stats().mode).toBe('fallback')
    // The first replay pass: a's copy fails at once, b's (with 2) is held.
    store.failNext(key('a'))
    const held = store.holdNext(key('b'), HELD_MS)
    store.down = false
    await held
    await cache.set('b', 3) // still on the fallback: the replay has not ended
    await waitForMode(cache, 'primary', RECOVERY_BOUND_MS)
    await sleep(HELD_MS)
    expect(await cache.get('a')).toBe(2)
    expect(await cache.get('b'), 'the value read back after the held copy landed').toBe(3)
    await cache.close()
  })
})
