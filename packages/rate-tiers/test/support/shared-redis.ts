import { randomBytes } from 'node:crypto'
import { deleteRedisKeys, TEST_REDIS_URL } from '@rc/test-services'
import Redis from 'ioredis'
import { afterAll, beforeAll } from 'vitest'

/** This test file's connection to the shared Redis at 6379 and the random key prefix it owns. */
export interface SharedRedis {
  client: Redis
  prefix: string
}

/** Connects before the file's tests and, after them, disconnects and deletes the keys under the file's prefix. */
export function useSharedRedis(label: string): SharedRedis {
  const prefix = `${label}:${randomBytes(4).toString('hex')}:`
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true })
  beforeAll(() => client.connect())
  afterAll(async () => {
    client.disconnect()
    await deleteRedisKeys(`${prefix}*`)
  })
  return { client, prefix }
}
