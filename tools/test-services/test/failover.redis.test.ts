import { Redis, type RedisOptions } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type RedisCluster,
  type RedisSentinel,
  startRedisCluster,
  startRedisSentinel,
  unavailability,
  writeLoad,
} from '../src/index'
import { sleep, waitUntil } from '../src/wait'

// Failovers take seconds each and start six processes: CI (RC_FULL=1) runs them, a local run does not.
const FULL = process.env.RC_FULL === '1'
// Generous against the ~3 s a failover takes here, so a loaded machine does not flake it.
const RECOVERY_BOUND_MS = 30_000

async function ready(client: Redis): Promise<void> {
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve))
}

describe('startRedisSentinel', () => {
  let sentinel: RedisSentinel | undefined
  const clients: Redis[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect()
    await sentinel?.destroy()
    sentinel = undefined
  })

  function connect(options: RedisOptions = {}): Redis {
    const client = new Redis({ sentinels: sentinel!.sentinels, name: sentinel!.name, ...options })
    // Connection errors during a failover are expected; the test watches the commands instead.
    client.on('error', () => {})
    clients.push(client)
    return client
  }

  it('starts a primary with a replica that three Sentinels agree on', async () => {
    sentinel = await startRedisSentinel({ name: 'tooling' })
    const [primary, replica] = sentinel.nodes
    expect(sentinel.name).toBe('tooling')
    expect(sentinel.sentinels).toHaveLength(3)
    expect(await sentinel.currentPrimary()).toBe(primary)

    const client = connect()
    await client.set('through-sentinel', 'yes')
    expect(await primary!.cli('GET', 'through-sentinel')).toBe('yes')
    const copied = await waitUntil(
      async () => ((await replica!.cli('GET', 'through-sentinel')) === 'yes' ? true : undefined),
      { timeoutMs: 10_000, onTimeout: () => new Error('the replica never received the write') },
    )
    expect(copied).toBe(true)
  })

  it.runIf(FULL)(
    'a client through the Sentinels writes again after the primary is killed',
    async () => {
      sentinel = await startRedisSentinel()
      // Fail fast while disconnected, so the outage shows as failed writes rather than queued ones.
      const client = connect({ enableOfflineQueue: false })
      await ready(client)
      const load = writeLoad((n) => client.set('counter', String(n)))
      await sleep(500)

      const killed = await sentinel.killPrimary()
      const promoted = await sentinel.waitForFailover()
      expect(promoted).not.toBe(killed)
      expect(promoted).toBe(sentinel.nodes[1])
      // Keep writing until the client has found the new primary by itself.
      await waitUntil(
        async () => {
          const after = load.outcomes.filter((o) => o.ok && o.issued > performance.now() - 200)
          return after.length > 5 || undefined
        },
        { timeoutMs: RECOVERY_BOUND_MS, onTimeout: () => new Error('writes never succeeded again') },
      )
      await load.stop()

      const result = unavailability(load.outcomes)
      console.log(
        `Sentinel kill: ${result.failed}/${result.total} writes failed, window ${result.windowMs} ms, stalled ${result.stallMs} ms`,
      )
      expect(result.failed).toBeGreaterThan(0)
      expect(result.windowMs).toBeLessThan(RECOVERY_BOUND_MS)
      // The writes landed on the promoted node, the last one last.
      expect(await promoted.cli('GET', 'counter')).toBe(String(result.lastOk!.n))
    },
    90_000,
  )

  it.runIf(FULL)(
    'a subscription through the Sentinels is renewed on the new primary',
    async () => {
      sentinel = await startRedisSentinel()
      const subscriber = connect()
      const received: string[] = []
      subscriber.on('message', (_channel, message) => received.push(message))
      await subscriber.subscribe('events')
      await sentinel.currentPrimary().then((p) => p.cli('PUBLISH', 'events', 'before'))
      await waitUntil(async () => received.includes('before') || undefined, {
        timeoutMs: 10_000,
        onTimeout: () => new Error('the message before the failover never arrived'),
      })

      await sentinel.killPrimary()
      const promoted = await sentinel.waitForFailover()
      // Publish until it arrives: the subscriber reconnects on its own schedule.
      let sent = 0
      await waitUntil(
        async () => {
          await promoted.cli('PUBLISH', 'events', `after-${sent++}`)
          return received.some((m) => m.startsWith('after-')) || undefined
        },
        {
          timeoutMs: RECOVERY_BOUND_MS,
          intervalMs: 200,
          onTimeout: () => new Error(`none of ${sent} messages published after the failover arrived`),
        },
      )
      console.log(`Sentinel pub/sub: resubscribed after ${sent} publishes (200 ms apart) on the new primary`)
      expect(received[0]).toBe('before')
    },
    90_000,
  )

  it.runIf(FULL)(
    'a frozen primary is replaced, and a client with failoverDetector follows',
    async () => {
      sentinel = await startRedisSentinel()
      // A frozen primary keeps its sockets open: without the detector the client waits on it forever.
      const client = connect({ failoverDetector: true })
      await ready(client)
      const load = writeLoad((n) => client.set('counter', String(n)))
      await sleep(500)

      const frozen = await sentinel.freezePrimary()
      const promoted = await sentinel.waitForFailover()
      expect(promoted).not.toBe(frozen)
      await waitUntil(
        async () =>
          load.outcomes.filter((o) => o.ok && o.issued > performance.now() - 200).length > 5 || undefined,
        { timeoutMs: RECOVERY_BOUND_MS, onTimeout: () => new Error('writes never succeeded again') },
      )
      await load.stop()

      const result = unavailability(load.outcomes)
      console.log(
        `Sentinel freeze: ${result.failed}/${result.total} writes failed, stalled ${result.stallMs} ms`,
      )
      expect(result.stallMs).toBeLessThan(RECOVERY_BOUND_MS)
      expect(await promoted.cli('GET', 'counter')).toBe(String(result.lastOk!.n))

      // Thawed, the old primary is turned into a replica of the new one. Sentinel waits ~10 s to
      // see it stay up (once, on a loaded machine, 60 s), hence the longer bound.
      sentinel.thaw()
      // Until then it still takes writes, which its resync with the new primary throws away.
      expect(await frozen.cli('SET', 'lost', 'yes')).toBe('OK')
      const demoted = await waitUntil(
        async () => ((await frozen.cli('ROLE')).startsWith('slave') ? true : undefined),
        {
          timeoutMs: 120_000,
          onTimeout: () => new Error('the thawed primary never became a replica'),
        },
      )
      expect(demoted).toBe(true)
      expect(await sentinel.currentPrimary()).toBe(promoted)
      expect(await promoted.cli('GET', 'lost')).toBe('')
    },
    200_000,
  )

  it.runIf(FULL)(
    'with min-replicas-to-write, a thawed old primary refuses the writes it would lose',
    async () => {
      // Two replicas, so the promoted primary keeps one and can still take writes itself.
      sentinel = await startRedisSentinel({
        replicas: 2,
        nodeArgs: ['--min-replicas-to-write', '1', '--min-replicas-max-lag', '2'],
      })
      const frozen = await sentinel.freezePrimary()
      const promoted = await sentinel.waitForFailover()
      sentinel.thaw()
      expect(await frozen.cli('SET', 'lost', 'yes')).toMatch(/^NOREPLICAS/)
      const accepted = await waitUntil(
        async () => ((await promoted.cli('SET', 'kept', 'yes')) === 'OK' ? true : undefined),
        { timeoutMs: RECOVERY_BOUND_MS, onTimeout: () => new Error('the new primary never took a write') },
      )
      expect(accepted).toBe(true)
    },
    90_000,
  )
})

describe.runIf(FULL)('startRedisCluster with replicas', () => {
  let cluster: RedisCluster | undefined
  let client: InstanceType<typeof Redis.Cluster> | undefined
  afterEach(async () => {
    client?.disconnect()
    await cluster?.destroy()
    cluster = undefined
  })

  it('a cluster client writes again after a master is killed', async () => {
    cluster = await startRedisCluster(3, { replicas: 1 })
    expect(cluster.nodes).toHaveLength(6)
    const before = await cluster.masters()
    expect(before).toEqual(cluster.nodes.slice(0, 3))

    client = new Redis.Cluster(cluster.startupNodes, { enableOfflineQueue: false })
    client.on('error', () => {})
    await ready(client as unknown as Redis)
    const key = '{failover}counter'
    const index = await cluster.masterIndexOf(key)
    const load = writeLoad((n) => client!.set(key, String(n)))
    await sleep(500)

    const killed = await cluster.killMaster(index)
    expect(killed).toBe(before[index])
    const promoted = await cluster.waitForFailover()
    // Master i's replica is nodes[3 + i]; it now serves i's slots.
    expect(promoted).toBe(cluster.nodes[3 + index])
    expect((await cluster.masters())[index]).toBe(promoted)
    await waitUntil(
      async () =>
        load.outcomes.filter((o) => o.ok && o.issued > performance.now() - 200).length > 5 || undefined,
      { timeoutMs: RECOVERY_BOUND_MS, onTimeout: () => new Error('writes never succeeded again') },
    )
    await load.stop()

    const result = unavailability(load.outcomes)
    console.log(
      `Cluster master kill: ${result.failed}/${result.total} writes failed, window ${result.windowMs} ms, stalled ${result.stallMs} ms`,
    )
    expect(result.failed).toBeGreaterThan(0)
    expect(result.windowMs).toBeLessThan(RECOVERY_BOUND_MS)
    // Writes queued during the failover are resent after it, so they may land after later ones: the
    // key holds some acknowledged write, not necessarily the highest. A write after the load is exact.
    const acknowledged = new Set(load.outcomes.filter((o) => o.ok).map((o) => String(o.n)))
    expect(acknowledged.has(String(await promoted.cli('GET', key)))).toBe(true)
    await client.set(key, 'after')
    expect(await promoted.cli('GET', key)).toBe('after')
  }, 90_000)
})
