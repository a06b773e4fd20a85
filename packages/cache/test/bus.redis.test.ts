import { randomBytes } from 'node:crypto'
import { monitorRedis, type RedisServer, startRedis } from '@rc/test-services'
import { Redis, type RedisOptions } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

describe('redisBus on its own subscriber connection', () => {
  // ioredis re-sends SUBSCRIBE on reconnect without catching it: with enableOfflineQueue: false, a
  // connection that drops at that moment ends in an unhandled rejection (once in CI). The bus
  // subscribes itself on every connection and handles its own failures, so only it may send one.
  it('after a reconnect, the only SUBSCRIBE sent is the bus’s own', async () => {
    const client = new Redis({
      port: server.port,
      host: '127.0.0.1',
      enableOfflineQueue: false,
      retryStrategy: () => 20,
    })
    client.on('error', () => {})
    const channel = `rc-bus-own-${randomBytes(4).toString('hex')}`
    const bus = redisBus({ client, channel })
    let gaps = 0
    await bus.subscribe(
      () => {},
      () => gaps++,
    )
    const monitor = await monitorRedis(`redis://127.0.0.1:${server.port}`)
    try {
      const subscribes = () => monitor.commands.filter((c) => c[0] === 'subscribe' && c[1] === channel)
      await client.client('KILL', 'TYPE', 'pubsub')
      expect(await monitor.waitFor((c) => c[0] === 'subscribe' && c[1] === channel)).toBe(true)
      // The drop and the return are each reported as a gap.
      for (const started = Date.now(); gaps < 2 && Date.now() - started < 5_000; ) {
        await new Promise((r) => setTimeout(r, 10))
      }
      expect(gaps).toBe(2)
      await new Promise((r) => setTimeout(r, 200))
      expect(subscribes()).toHaveLength(1)
    } finally {
      monitor.stop()
      await bus.close()
      client.disconnect()
    }
  })
})
