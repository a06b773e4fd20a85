import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config'
import { redisOptionsOf } from '../src/infra/redis'

const base = {
  DATABASE_URL: 'postgres://owner@db/app',
  TOKEN_KEYS: `k:${'a'.repeat(44)}`,
  POSTER_APP_SECRET: 'secret-123',
}

describe('Redis topology from the environment', () => {
  it('REDIS_URL: one server', () => {
    const config = loadConfig({ ...base, REDIS_URL: 'redis://:pw@cache:6380/2' })
    expect(config.redis).toEqual({ kind: 'standalone', url: 'redis://:pw@cache:6380/2' })
    expect(config.redisUrl).toBe('redis://:pw@cache:6380/2')
    expect(redisOptionsOf(config.redis!, {})).toMatchObject({
      host: 'cache',
      port: 6380,
      password: 'pw',
      db: 2,
    })
  })

  it('REDIS_SENTINELS and REDIS_SENTINEL_NAME: through Sentinel, following failovers; REDIS_URL gives credentials', () => {
    const config = loadConfig({
      ...base,
      REDIS_SENTINELS: 's1:26379, s2:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'rc',
      REDIS_URL: 'redis://app:pw@ignored:1/3',
    })
    expect(config.redis).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'rc',
      auth: { username: 'app', password: 'pw', db: 3 },
    })
    expect(config.redisUrl).toBeUndefined()
    expect(config.embedded).toBe(false)
    expect(redisOptionsOf(config.redis!, { maxRetriesPerRequest: 1 })).toMatchObject({
      name: 'rc',
      failoverDetector: true,
      password: 'pw',
      maxRetriesPerRequest: 1,
    })
    expect(loadConfig({ ...base, REDIS_SENTINELS: 's1:26379' }).redis).toMatchObject({ name: 'mymaster' })
  })

  it('REDIS_CLUSTER_NODES: a Cluster (no db)', () => {
    const config = loadConfig({
      ...base,
      REDIS_CLUSTER_NODES: 'n1:7000,n2:7001',
      REDIS_URL: 'redis://:pw@x:1/4',
    })
    expect(config.redis).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
      auth: { password: 'pw', db: 4 },
    })
    expect(redisOptionsOf(config.redis!, {})).toEqual({ password: 'pw' })
  })

  it('refuses bad lists, both topologies at once, and Redis without a database', () => {
    expect(() => loadConfig({ ...base, REDIS_SENTINELS: 's1' })).toThrow(/REDIS_SENTINELS must be host:port/)
    expect(() => loadConfig({ ...base, REDIS_CLUSTER_NODES: 'n1:99999' })).toThrow(ConfigError)
    expect(() => loadConfig({ ...base, REDIS_SENTINELS: 's:1', REDIS_CLUSTER_NODES: 'n:2' })).toThrow(
      /not both/,
    )
    expect(() => loadConfig({ REDIS_SENTINELS: 's:1' })).toThrow(/Set both DATABASE_URL and Redis/)
  })
})
