import { TEST_REDIS_URL } from '@rc/test-services'
import { Redis } from 'ioredis'
import { redisStore } from '../src/redis'
import { startTcpProxy } from './support/tcp-proxy'
import { describeCacheTracing } from './support/tracing-suite'

// Through a TCP proxy to the shared Redis, so the fallback case can cut the link for real.
describeCacheTracing('redis', async () => {
  const proxy = await startTcpProxy(Number(new URL(TEST_REDIS_URL).port || 6379))
  const client = new Redis({
    port: proxy.port,
    host: '127.0.0.1',
    retryStrategy: (times) => Math.min(times * 20, 200),
  })
  client.on('error', () => {})
  return {
    store: redisStore({ client }),
    cut: () => proxy.cut(),
    restore: () => proxy.restore(),
    close: async () => {
      client.disconnect()
      await proxy.close()
    },
  }
})
