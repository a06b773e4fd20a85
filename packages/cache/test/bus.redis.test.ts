import { randomBytes } from 'node:crypto'
import { type RedisServer, startRedis } from '@rc/test-services'
import { Redis, type RedisOptions } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { redisBus } from '../src/redis'
import { describeCacheBus } from '../src/testing'

let server: RedisServer
beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => {
  await server?.destroy()
})

// Each suite restarts its own redis-server (the shared one on 6379 stays up).
for (const [label, clientOptions] of [
  ['default client options', {}],
  // Recommended for a cache (fail fast while disconnected): SUBSCRIBE sent before the
  // connection is ready is rejected, which once left the bus unsubscribed for good.
  ['enableOfflineQueue: false', { enableOfflineQueue: false }],
] as [string, RedisOptions][]) {
  const clients: Redis[] = []
  const channel = `rc-bus-${randomBytes(4).toString('hex')}`
  describeCacheBus({
    name: `redisBus (${label})`,
    create: () => {
      const client = new Redis({
        port: server.port,
        host: '127.0.0.1',
        retryStrategy: (times) => Math.min(times * 20, 200),
        ...clientOptions,
      })
      client.on('error', () => {})
      clients.push(client)
      return redisBus({ client, channel })
    },
    async reconnect() {
      await server.stop()
      await server.start()
    },
    cleanup() {
      for (const client of clients) client.disconnect()
    },
  })
}
