import { startRedis } from '@rc/test-services'
import Redis from 'ioredis'
import { RateLimiterRedis } from 'rate-limiter-flexible'
import { createRateTiers } from './src/index'
import { redisRateStore } from './src/redis'

const KEYS = Array.from({ length: 500 }, (_, i) => `tenant-${i}`)
const redis = await startRedis()
const client = new Redis(redis.url)
await new Promise((r) => client.once('ready', r))
async function run(fn: (k: string) => Promise<unknown>, c = 64, ms = 1500) {
  let n = 0,
    i = 0
  const end = performance.now() + ms
  const t = performance.now()
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (performance.now() < end) {
        await fn(KEYS[i++ % 500]!)
        n++
      }
    }),
  )
  return Math.round((n / (performance.now() - t)) * 1000)
}
const rlf = new RateLimiterRedis({ storeClient: client, points: 1e6, duration: 60, keyPrefix: 'rlf' })
for (const alg of ['rlf', 'sliding-log', 'gcra', 'fixed-window', 'sliding-window'] as const) {
  await client.config('RESETSTAT')
  const t =
    alg === 'rlf'
      ? undefined
      : createRateTiers({
          store: redisRateStore({ client }),
          algorithm: alg,
          tiers: { pro: { api: '1000000/1m' } },
        })
  const ops = await run(t ? (k) => t.consume({ key: k, tier: 'pro', bucket: 'api' }) : (k) => rlf.consume(k))
  const ev = (await client.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_evalsha'))!
  const m = /calls=(\d+),usec=(\d+)/.exec(ev)!
  console.log(
    alg,
    ops,
    'evalsha µs busy/s',
    Math.round(Number(m[2]) / 1.5),
    'per decision µs',
    (Number(m[2]) / (ops * 1.5)).toFixed(2),
  )
}
client.disconnect()
await redis.destroy()
