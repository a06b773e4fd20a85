import { type RedisServer, startRedis } from '@rc/test-services'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createCache } from '../src/index'
import { memoryStore } from '../src/memory'
import { redisStore } from '../src/redis'
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy'

// Generous: recovery takes a probe interval and a few round trips.
const RECOVERY_BOUND_MS = 20_000

let server: RedisServer
let proxy: TcpProxy
beforeAll(async () => {
  server = await startRedis()
  proxy = await startTcpProxy(server.port)
})
afterAll(async () => {
  await proxy?.close()
  await server?.destroy()
})

it('recovers while a writer never pauses, and the primary ends with its last writes', async () => {
  const client = new Redis({ port: proxy.port, host: '127.0.0.1', retryStrategy: () => 20 })
  client.on('error', () => {})
  const cache = createCache({
    store: redisStore({ client }),
    fallback: memoryStore(),
    prefix: 'steady',
    storeTimeout: 200,
  })
  // Each pass of a replay takes a round trip or more; this writer adds keys faster than that.
  let running = true
  const last = new Map<string, number>()
  const writer = (async () => {
    for (let n = 0; running; n++) {
      const key = `k${n % 50}`
      await cache.set(key, n)
      last.set(key, n)
      if (n % 20 === 0) await new Promise((r) => setImmediate(r))
    }
  })()
  await new Promise((r) => setTimeout(r, 200))
  await proxy.cut()
  await new Promise((r) => setTimeout(r, 500))
  expect(cache.stats().mode).toBe('fallback')
  await proxy.restore()
  const started = performance.now()
  while (cache.stats().mode !== 'primary' && performance.now() - started < RECOVERY_BOUND_MS) {
    await new Promise((r) => setTimeout(r, 20))
  }
  expect(cache.stats().mode).toBe('primary')
  await new Promise((r) => setTimeout(r, 200))
  running = false
  await writer
  const reader = createCache({ store: redisStore({ client }), prefix: 'steady', storeTimeout: '5s' })
  for (const [key, n] of last) expect(await reader.get(key)).toBe(n)
  await cache.close()
  client.disconnect()
}, 60_000)
