import { randomBytes } from 'node:crypto'
import { TEST_REDIS_URL } from '@rc/test-services'
import Redis from 'ioredis'
import { afterAll, beforeAll } from 'vitest'

/** This test file's connection to the shared Redis at 6379 and the random key prefix it owns. */
export interface SharedRedis {
  client: Redis
  prefix: string
}

/**
 * Connects before the file's tests and, after them, deletes the keys under the file's prefix and
 * disconnects. Cleanup walks with SCAN: KEYS would block the Redis other packages' tests share.
 */
export function useSharedRedis(label: string): SharedRedis {
  const prefix = `${label}:${randomBytes(4).toString('hex')}:`
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true })
  beforeAll(() => client.connect())
  afterAll(async () => {
    try {
      for await (const keys of client.scanStream({ match: `${prefix}*`, count: 500 })) {
        if ((keys as string[]).length > 0) await client.del(...(keys as string[]))
      }
    } finally {
      client.disconnect()
    }
  })
  return { client, prefix }
}
