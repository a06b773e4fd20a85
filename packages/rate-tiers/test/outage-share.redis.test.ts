import { fileURLToPath } from 'node:url'
import { type RedisServer, startRedis } from '@rc/test-services'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OutageConfig } from './fixtures/outage-worker'
import { runWorkers } from './fixtures/run-workers'

const WORKER = fileURLToPath(new URL('./fixtures/outage-worker.ts', import.meta.url))
const PROCESSES = 4
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)

let redis: RedisServer
let running = false
beforeAll(async () => {
  redis = await startRedis()
  running = true
})
afterAll(async () => {
  await redis?.destroy()
})

/** 4 instances, Redis stopped after they met, then 4 x 40 x 5 calls on one key limited to 100 / minute. */
async function outage(presence: boolean) {
  if (!running) await redis.start()
  const config: OutageConfig = {
    url: redis.url,
    prefix: `share-${presence}:`,
    key: 'hot',
    processes: PROCESSES,
    callers: 40,
    attempts: 5,
    presence,
  }
  return runWorkers<{ admitted: number; denied: number; errors: number }>(PROCESSES, config, {
    worker: WORKER,
    beforeGo: async () => {
      await redis.stop()
      running = false
    },
  })
}

describe('the memory fallback during an outage, across 4 processes', () => {
  it('admits at most the limit in all: each instance applies its share (1/4) of it', async () => {
    const tallies = await outage(true)
    expect(sum(tallies.map((t) => t.errors))).toBe(0)
    expect(tallies.map((t) => t.admitted)).toEqual([25, 25, 25, 25])
    expect(sum(tallies.map((t) => t.admitted))).toBeLessThanOrEqual(100)
  })

  it('without presence each instance admits the whole limit (the bound the share removes)', async () => {
    const tallies = await outage(false)
    expect(sum(tallies.map((t) => t.admitted))).toBe(400)
  })
})
