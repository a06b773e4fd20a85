import { recordTraces } from '@rc/internal'
import { freePort } from '@rc/test-services'
import Redis from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createRateTiers, rateTiersChannels } from '../src/index'
import { redisRateStore } from '../src/redis'
import { useSharedRedis } from './support/shared-redis'
import { describeRateTiersTracing } from './support/tracing-suite'

const { client, prefix } = useSharedRedis('rt-tracing')
describeRateTiersTracing('redis', () => redisRateStore({ client, prefix }), 'redis')

describe('rate-tiers tracing channel (Redis unreachable)', () => {
  const dead: Redis[] = []
  afterAll(() => {
    for (const c of dead) c.disconnect()
  })

  it('a decision the fallback made says store: fallback', async () => {
    // A real client to a port nobody listens on: every command fails.
    const c = new Redis({
      port: await freePort(),
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => 50,
    })
    c.on('error', () => {})
    dead.push(c)
    const limiter = createRateTiers({
      store: redisRateStore({ client: c, prefix, timeout: 100 }),
      tiers: { pro: { api: '3/1m' } },
      presence: false,
    })
    const rec = recordTraces([rateTiersChannels.decide])
    try {
      const decision = await limiter.consume({ key: 'loc_1', tier: 'pro', bucket: 'api' })
      expect(decision.allowed).toBe(true)
      expect(rec.contexts(rateTiersChannels.decide)[0]).toMatchObject({ allowed: true, store: 'fallback' })
    } finally {
      rec.stop()
      limiter.close()
    }
  })
})
