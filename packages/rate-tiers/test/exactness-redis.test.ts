import { TEST_REDIS_URL } from '@rc/test-services'
import Redis from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { describeExactness } from './exactness'

let client: Redis
beforeAll(async () => {
  client = new Redis(TEST_REDIS_URL, { lazyConnect: true })
  await client.connect()
})
afterAll(() => client?.disconnect())

describeExactness(
  'Redis on 6379',
  () => ({ url: TEST_REDIS_URL }),
  () => client,
)
