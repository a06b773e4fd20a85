import { randomBytes } from 'node:crypto'
import { TEST_REDIS_URL } from '@rc/test-services'
import { Redis } from 'ioredis'
import { afterAll } from 'vitest'
import { createCache } from '../src/index'
import { memoryStore } from '../src/memory'
import { redisBus, redisStore } from '../src/redis'
import { describeKeyvStore } from './support/keyv-suite'

const prefix = `rc-keyv-${randomBytes(4).toString('hex')}`
const client = new Redis(TEST_REDIS_URL)
// The way an app would put it behind Keyv: Redis, a memory fallback, l1 kept coherent by the bus.
const cache = createCache({
  store: redisStore({ client }),
  fallback: memoryStore(),
  l1: true,
  bus: redisBus({ client }),
  prefix,
  storeTimeout: '5s',
})
afterAll(async () => {
  await cache.clear()
  await cache.close()
  client.disconnect()
})

describeKeyvStore('redis', () => cache)
