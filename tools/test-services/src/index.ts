export { freePort } from './ports'
export { createTestDatabase, TEST_PG_URL, TEST_REDIS_URL, type TestDatabase } from './postgres'
export { type RedisServer, type RedisServerOptions, startRedis } from './redis'
export { type RedisCluster, startRedisCluster } from './redis-cluster'
