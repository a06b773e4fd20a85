import { type RedisCluster, startRedisCluster } from '@rc/test-services'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startJobRig } from './job-failover'
import { type Stack, startStack } from './stack'

// Six Redis processes and a master killed: CI (RC_FULL=1) runs it.
const FULL = process.env.RC_FULL === '1'
// Generous against the ~3 s a Cluster failover takes here (node timeout 2 s), for a loaded machine.
const RECOVERY_MS = 30_000
// A job taken from the queue just as Redis failed waits for BullMQ's stall check: its lock (30 s)
// must expire and the check (every 30 s) run, then it runs again. Twice that, for a loaded machine.
const STALLED_MS = 150_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.runIf(FULL)('the app on a 3-master Redis Cluster with replicas, a master killed', () => {
  let cluster: RedisCluster
  let stack: Stack
  let rig: Awaited<ReturnType<typeof startJobRig>>
  beforeAll(async () => {
    cluster = await startRedisCluster(3, { replicas: 1 })
    const nodes = cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(',')
    // The app itself (rate limits, cache, sessions, its BullMQ producer) configured for the Cluster.
    stack = await startStack({ label: 'cluster', env: { REDIS_CLUSTER_NODES: nodes, WORKER: 'off' } })
    rig = await startJobRig('cluster_jobs', { kind: 'cluster', nodes: cluster.startupNodes, auth: {} })
  }, 120_000)
  afterAll(async () => {
    await rig?.close()
    await stack?.close()
    await cluster?.destroy()
  })

  it('rate limits and cache return to Redis, every job acknowledged before the kill runs (twice only if active then), the scheduler keeps firing', async () => {
    // The queue's hash tag decides its master: kill that one, with a rate-limited key and a cache
    // entry on it too.
    const index = await cluster.masterIndexOf(`{${rig.prefix}}`)
    let key = ''
    for (let i = 0; ; i++) {
      if ((await cluster.masterIndexOf(`{loc-${i}}`)) === index) {
        key = `loc-${i}`
        break
      }
    }
    const { runtime } = stack
    const consume = () => runtime.tiers.consume({ key, tier: 'pro', bucket: 'api' })
    expect((await consume()).remaining).toBe(99)
    await runtime.cache.set('failover-probe', 'before')

    const load = rig.enqueueLoad(20)
    await sleep(3_000)
    const killedAt = new Date()
    await cluster.killMaster(index)
    // Decisions keep coming while the slot has no master (the memory fallback answers).
    const during = await Promise.all(Array.from({ length: 5 }, consume))
    expect(during.every((d) => d.allowed)).toBe(true)
    const promoted = await cluster.waitForFailover({ timeoutMs: RECOVERY_MS })
    const after = new Date()
    await sleep(4_000)
    await load.stop()

    // Back on Redis by themselves: a consume lands in the promoted node's sliding log.
    const log = `${stack.prefix}:rt:{${key}}:api:60000:sl`
    const before = Number(await promoted.cli('LLEN', log))
    await rig.waitFor(
      async () => {
        await consume()
        return Number(await promoted.cli('LLEN', log)) > before
      },
      RECOVERY_MS,
      'rate-limit decisions did not return to Redis',
    )
    const ratesBackMs = Date.now() - after.getTime()
    // The cache answers from Redis again (its fallback mode ends) and kept its entry.
    await rig.waitFor(
      async () =>
        (await runtime.cache.get('failover-probe')) === 'before' && runtime.cache.stats().mode === 'primary',
      RECOVERY_MS,
      'the cache did not return to Redis',
    )

    const cacheBackMs = Date.now() - after.getTime()
    const jobs = load.split(killedAt)
    await rig.waitForAll(jobs.before, STALLED_MS)
    const allRanMs = Date.now() - after.getTime()
    await rig.waitFor(async () => (await rig.ticksSince(after)) >= 3, RECOVERY_MS, 'the scheduler stopped')
    // Acknowledged once the kill had begun: a write the replica never received is lost with the master.
    await sleep(2_000)
    const lostDuring = (await rig.tally(jobs.during)).missing.length
    const t = await rig.tally(jobs.before)
    console.log(
      `Cluster, master ${index} killed: ${jobs.before.length} jobs acknowledged before the kill (${t.missing.length} lost, ` +
        `${t.ranTwice.length} run twice), ${jobs.during.length} during and after it (${lostDuring} lost), ${load.refused} refused, ` +
        `${(await rig.tally(load.acknowledged)).unacknowledgedRuns} run unacknowledged, ${await rig.ticksSince(after)} scheduler ticks after the failover; ` +
        `all acknowledged before had run ${allRanMs} ms after the promotion; rate limits back on Redis ${ratesBackMs} ms and cache ${cacheBackMs} ms after the promotion (4 s of load included)`,
    )
    expect(jobs.before.length).toBeGreaterThan(20)
    expect(t.missing).toEqual([])
    // At least once: a job active on the killed master may stall and run again, no other job.
    expect(
      rig.repeatsOutside(t.repeats, killedAt, after),
      `kill ${killedAt.toISOString()} to ${after.toISOString()}`,
    ).toEqual([])
  }, 300_000)
})
