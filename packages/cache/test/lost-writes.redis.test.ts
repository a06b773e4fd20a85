import { type RedisSentinel, startRedisSentinel } from '@rc/test-services'
import { Redis, type RedisOptions } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import type { CacheEvent } from '../src/index'
import { redisStore } from '../src/redis'
import type { CacheStore } from '../src/types'

// A Sentinel set per case (four processes, a failover of seconds): CI (RC_FULL=1) runs it.
const FULL = process.env.RC_FULL === '1'
const WRITERS = 50

interface Round {
  acked: number
  /** Acknowledged writes the promoted replica does not have. */
  missing: number
  /** The oldest lost write's acknowledgement, in ms before the kill. */
  windowMs: number
  /** Writes WAIT reported as not replicated in time (excluded from `acked` with WAIT). */
  unreplicated: number
}

/** A store on a client through the Sentinels, and the keys its writes' WAIT reported unreplicated. */
async function sentinelStore(sentinel: RedisSentinel, durability: boolean, options: RedisOptions = {}) {
  const client = new Redis({
    sentinels: sentinel.sentinels,
    name: sentinel.name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    ...options,
  })
  client.on('error', () => {})
  await new Promise((r) => client.once('ready', r))
  const store: CacheStore = redisStore({
    client,
    durability: durability ? { replicas: 1, timeout: 50 } : undefined,
  })
  const unreplicated = new Set<string>()
  store.observe?.((e: CacheEvent) => {
    if (e.type === 'unreplicated' && e.key) unreplicated.add(e.key)
  })
  return { client, store, unreplicated }
}

/**
 * The acknowledged writes (key → when) the server on `port` does not have, unreplicated ones left
 * out: how many were counted, and when each lost one was acknowledged.
 */
async function lostOn(
  port: number,
  acked: Map<string, number>,
  unreplicated: Set<string>,
): Promise<{ counted: number; lostAt: number[] }> {
  const direct = new Redis({ port, host: '127.0.0.1' })
  try {
    const counted = [...acked].filter(([key]) => !unreplicated.has(key))
    const lostAt: number[] = []
    for (let i = 0; i < counted.length; i += 500) {
      const page = counted.slice(i, i + 500)
      const values = await direct.mget(page.map(([key]) => key))
      values.forEach((value, j) => {
        if (value === null) lostAt.push(page[j]![1])
      })
    }
    return { counted: counted.length, lostAt }
  } finally {
    direct.disconnect()
  }
}

/**
 * `WRITERS` concurrent writers of unique keys through the Sentinels; the primary is SIGKILLed in the
 * middle of it, then every acknowledged write is looked up on the promoted replica.
 */
async function killDuringWrites(sentinel: RedisSentinel, durability: boolean): Promise<Round> {
  const { client, store, unreplicated } = await sentinelStore(sentinel, durability)
  const acked = new Map<string, number>()
  let next = 0
  let stop = false
  const writers = Array.from({ length: WRITERS }, async () => {
    while (!stop) {
      const key = `lost:${next++}`
      try {
        await store.set(key, 'v', undefined)
        acked.set(key, performance.now())
      } catch {
        await new Promise((r) => setTimeout(r, 5))
      }
    }
  })
  await new Promise((r) => setTimeout(r, 500))
  await sentinel.killPrimary()
  const killedAt = performance.now()
  stop = true
  await Promise.all(writers)
  client.disconnect()
  const promoted = await sentinel.waitForFailover()
  const { counted, lostAt } = await lostOn(promoted.port, acked, unreplicated)
  const windowMs = lostAt.reduce((widest, at) => Math.max(widest, killedAt - at), 0)
  return {
    acked: counted,
    missing: lostAt.length,
    windowMs: Math.round(windowMs),
    unreplicated: unreplicated.size,
  }
}

/**
 * A primary frozen until Sentinel replaced it, then thawed: a client without failoverDetector is
 * still connected to it, and it takes writes until Sentinel demotes it (about 10 s), which throws
 * them away. Every acknowledged write is then looked up on the new primary.
 */
async function writesToThawedPrimary(sentinel: RedisSentinel, durability: boolean): Promise<Round> {
  const { client, store, unreplicated } = await sentinelStore(sentinel, durability, { commandTimeout: 500 })
  const frozen = await sentinel.freezePrimary()
  const promoted = await sentinel.waitForFailover()
  sentinel.thaw()
  const thawedAt = performance.now()
  const acked = new Map<string, number>()
  let next = 0
  let demotedAt: number | undefined
  let failed = 0
  const writers = Array.from({ length: 10 }, async () => {
    while (demotedAt === undefined || performance.now() - demotedAt < 1_000) {
      const key = `thawed:${next++}`
      try {
        await store.set(key, 'v', undefined)
        acked.set(key, performance.now())
      } catch {
        failed++
        await new Promise((r) => setTimeout(r, 5))
      }
    }
  })
  const watcher = (async () => {
    while (!(await frozen.cli('ROLE')).startsWith('slave')) {
      if (performance.now() - thawedAt > 120_000) throw new Error('the thawed primary was never demoted')
      await new Promise((r) => setTimeout(r, 50))
    }
    demotedAt = performance.now()
  })()
  await watcher
  await Promise.all(writers)
  client.disconnect()
  const { counted, lostAt } = await lostOn(promoted.port, acked, unreplicated)
  const missing = lostAt.length
  // reduce, not Math.min(...): hundreds of thousands can be lost here, more than a call's arguments.
  const first = missing > 0 ? lostAt.reduce((a, b) => Math.min(a, b)) : undefined
  const last = lostAt.reduce((a, b) => Math.max(a, b), 0)
  console.log(
    `thawed primary ${durability ? 'with WAIT 1' : 'without WAIT'}: demoted ${Math.round(demotedAt! - thawedAt)} ms after the thaw; ` +
      `${failed} writes failed; ${missing}/${counted} acknowledged writes lost, acknowledged over ${first === undefined ? 0 : Math.round(last - first)} ms` +
      (durability ? `; ${unreplicated.size} writes reported unreplicated` : ''),
  )
  return {
    acked: counted,
    missing,
    windowMs: first === undefined ? 0 : Math.round(last - first),
    unreplicated: unreplicated.size,
  }
}

describe.runIf(FULL)('acknowledged writes on a thawed old primary (client without failoverDetector)', () => {
  let sentinel: RedisSentinel | undefined
  afterEach(async () => {
    await sentinel?.destroy()
    sentinel = undefined
  })
  for (const durability of [false, true]) {
    it(durability
      ? 'with WAIT 1: every lost write was reported unreplicated, none WAIT confirmed is lost'
      : 'without WAIT: they are lost, silently', async () => {
      // Two replicas: the new primary keeps one, so WAIT can succeed there.
      sentinel = await startRedisSentinel({ replicas: 2 })
      const round = await writesToThawedPrimary(sentinel, durability)
      expect(round.acked).toBeGreaterThan(100)
      if (durability) {
        expect(round.missing).toBe(0)
        expect(round.unreplicated).toBeGreaterThan(0)
      } else {
        expect(round.missing).toBeGreaterThan(0)
      }
    }, 200_000)
  }
})

describe.runIf(FULL)('acknowledged writes lost in a Sentinel failover (primary SIGKILLed mid-load)', () => {
  let sentinel: RedisSentinel | undefined
  afterEach(async () => {
    await sentinel?.destroy()
    sentinel = undefined
  })

  for (const durability of [false, true]) {
    it(durability
      ? 'with WAIT 1: none of the writes WAIT confirmed is lost'
      : 'without WAIT: measured', async () => {
      const rounds: Round[] = []
      for (let round = 0; round < 2; round++) {
        sentinel = await startRedisSentinel()
        rounds.push(await killDuringWrites(sentinel, durability))
        await sentinel.destroy()
        sentinel = undefined
      }
      console.log(
        `lost writes ${durability ? 'with WAIT 1 (50 ms)' : 'without WAIT'}: ` +
          rounds
            .map(
              (r) =>
                `${r.missing}/${r.acked} acknowledged writes missing on the promoted replica (oldest ${r.windowMs} ms before the kill)` +
                (durability ? `, ${r.unreplicated} reported unreplicated` : ''),
            )
            .join('; '),
      )
      for (const r of rounds) expect(r.acked).toBeGreaterThan(100)
      if (durability) for (const r of rounds) expect(r.missing).toBe(0)
    }, 180_000)
  }
})
