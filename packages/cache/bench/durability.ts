import { loadavg } from 'node:os'
import { type RedisServer, startRedis } from '@rc/test-services'
import { Redis } from 'ioredis'
import { createCache } from '../src/index'
import { redisStore } from '../src/redis'
import { fmt, interleaved, supplier } from './harness'

const KEYS = 500
const ROUNDS = 7
const ROUND_MS = 600

/**
 * The price of `durability: { replicas: 1 }`: sets through the cache with and
 * without WAIT, against raw ioredis SET and SET + WAIT, on an own primary with
 * one replica (loopback, so WAIT costs about one replica round trip).
 */
export async function benchDurability(): Promise<string> {
  const load = loadavg()[0]!.toFixed(1)
  const primary: RedisServer = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] })
  const replica: RedisServer = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] })
  const clients: Redis[] = []
  const connect = () => {
    const c = new Redis({ port: primary.port, host: '127.0.0.1' })
    clients.push(c)
    return c
  }
  try {
    while (!(await replica.cli('ROLE')).includes('connected')) await new Promise((r) => setTimeout(r, 50))
    const raw = connect()
    // storeTimeout 1s: this measures cost, not the breaker (a stall must not send sets to no store).
    const plain = createCache({
      store: redisStore({ client: connect() }),
      prefix: 'plain',
      storeTimeout: '1s',
    })
    const durable = createCache({
      store: redisStore({ client: connect(), durability: { replicas: 1, timeout: 20 } }),
      prefix: 'durable',
      storeTimeout: '1s',
    })
    const values = Array.from({ length: KEYS }, (_, i) => supplier(i))
    const contenders: [string, (i: number) => Promise<unknown>][] = [
      ['ioredis SET + JSON.stringify', (i) => raw.set(`raw:${i % KEYS}`, JSON.stringify(values[i % KEYS]))],
      [
        'ioredis SET + WAIT 1 (one pipeline)',
        (i) =>
          raw
            .pipeline()
            .set(`rawwait:${i % KEYS}`, JSON.stringify(values[i % KEYS]))
            .wait(1, 20)
            .exec(),
      ],
      ['@rc/cache set (redisStore)', (i) => plain.set(`k${i % KEYS}`, values[i % KEYS])],
      ['@rc/cache set, durability WAIT 1', (i) => durable.set(`k${i % KEYS}`, values[i % KEYS])],
    ]
    const c1 = await interleaved(contenders, 1, ROUNDS, ROUND_MS)
    const c16 = await interleaved(contenders, 16, ROUNDS, ROUND_MS)
    const stats = durable.stats()
    const rows = [...c1.keys()].map((name) => {
      const a = c1.get(name)!
      const b = c16.get(name)!
      return `| ${name} | ${fmt(a.p50, 0)} | ${fmt(a.p99, 0)} | ${fmt(a.opsPerSec)} | ${fmt(b.opsPerSec)} | ${fmt(b.p99, 0)} |`
    })
    const x = (n: number) => `${n.toFixed(2)}x`
    await plain.close()
    await durable.close()
    return [
      `### \`set\` with \`durability: { replicas: 1 }\` (own primary + 1 replica on loopback, ~300 B JSON; ${ROUNDS} interleaved ${ROUND_MS / 1000} s rounds, medians; load average ${load} at the start)`,
      '',
      '| contender | c1 p50 µs | c1 p99 µs | c1 ops/s | c16 ops/s | c16 p99 µs |',
      '|---|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      `WAIT 1 vs plain @rc/cache set: c1 ${x(c1.ratio('@rc/cache set, durability WAIT 1', '@rc/cache set (redisStore)', 'opsPerSec'))} ops/s, c16 ${x(c16.ratio('@rc/cache set, durability WAIT 1', '@rc/cache set (redisStore)', 'opsPerSec'))}; ` +
        `durable sets reported unreplicated: ${stats.unreplicated}; mode at the end: ${stats.mode}.`,
    ].join('\n')
  } finally {
    for (const c of clients) c.disconnect()
    await replica.destroy()
    await primary.destroy()
  }
}
