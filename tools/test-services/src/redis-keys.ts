import { Redis } from 'ioredis'
import { TEST_REDIS_URL } from './postgres'

/**
 * Deletes every key matching `pattern` (a SCAN glob) on the Redis at `url`. Walks with SCAN:
 * KEYS would block the Redis that every package's tests share.
 */
export async function deleteRedisKeys(pattern: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true })
  try {
    await redis.connect()
    for await (const keys of redis.scanStream({ match: pattern, count: 1000 })) {
      if ((keys as string[]).length > 0) await redis.unlink(...(keys as string[]))
    }
  } finally {
    redis.disconnect()
  }
}
