import { TEST_REDIS_URL } from '@rc/test-services'
import { describeExactness } from './exactness'
import { useSharedRedis } from './support/shared-redis'

const { client } = useSharedRedis('rt-exact')

describeExactness(
  'Redis on 6379',
  () => ({ url: TEST_REDIS_URL }),
  () => client,
)
