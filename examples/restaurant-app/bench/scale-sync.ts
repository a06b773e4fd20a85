/*
 * 1,000 restaurants on the fake Poster at Poster's pacing (4 requests/s per account), synced once each
 * by worker processes sharing one queue and one Poster limiter in Redis (BENCH_ONLY=scale-sync).
 */

import type { Redis } from 'ioredis'
import { startChild } from './processes'
import { type FamilyUsage, type KeyFamily, memoryByFamily } from './redis-memory'
import { type Setup, setUp } from './setup'
import type { WorkerReport } from './sync'
import { earliestLastCall } from './sync'

export const SCALE_SYNC_RESTAURANTS = 1_000
export const SCALE_SYNC_PER_SECOND = 4

export interface ScaleSyncOptions {
  restaurants: number
  workers: number
  concurrency: number
  /** Each restaurant is synced once per round; rounds share the setup, each starts its own workers. */
  rounds: number
}

/** Milliseconds from a restaurant's enqueue: min, mean, max over restaurants. */
export interface Spread {
  min: number
  mean: number
  max: number
  p50: number
  p99: number
}

export interface ScaleSyncResult {
  options: ScaleSyncOptions
  perSecond: number
  jobs: number
  failedJobs: string[]
  totalMs: number
  /** The pacing-exact minimum: each job as long as its account's 4/s allows, jobs packed onto the slots. */
  minimumMs: number
  /** The brief's steady-rate formula: calls / (4/s x accounts in parallel). */
  steadyRateMs: number
  slots: number
  calls: { total: number; perRestaurant: { min: number; mean: number; max: number }; unexpected: number }
  rateLimited: number
  otherErrors: number
  /** Most calls of one account the fake served in any sliding second (the limit is 4). */
  maxPerSecond: number
  /** Most calls of all accounts the fake served in one sliding second. */
  peakCallsPerS: number
  /** Enqueue to the restaurant's first Poster call. */
  wait: Spread
  /** Enqueue to its sync's end (`finishedAt`). */
  done: Spread
  /** First Poster call to the sync's end. */
  duration: Spread
  workers: Array<WorkerReport | undefined>
  redis: Record<KeyFamily, FamilyUsage>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0
  return {
    min: sorted[0] ?? 0,
    mean: sorted.reduce((t, v) => t + v, 0) / Math.max(1, sorted.length),
    max: sorted.at(-1) ?? 0,
    p50: at(0.5),
    p99: at(0.99),
  }
}

/**
 * The earliest the last job can end if every call took no time: job `i` lasts as long as its `n_i`
 * calls need under the account's sliding second (`earliestLastCall`), and jobs start in queue order on
 * the first free slot of `slots`.
 */
export function pacedMakespan(callsPerJob: number[], slots: number, perSecond: number): number {
  const free = Array.from({ length: slots }, () => 0)
  for (const n of callsPerJob) {
    let slot = 0
    for (let s = 1; s < free.length; s++) if (free[s]! < free[slot]!) slot = s
    free[slot]! += earliestLastCall(n, [{ ms: 1000, limit: perSecond }])
  }
  return Math.max(...free)
}

export function maxInWindow(at: number[], ms: number): number {
  const sorted = [...at].sort((a, b) => a - b)
  let best = 0
  let lo = 0
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= ms) lo++
    best = Math.max(best, hi - lo + 1)
  }
  return best
}

export async function runScaleSync(options: ScaleSyncOptions): Promise<ScaleSyncResult[]> {
  const setup: Setup = await setUp({
    restaurants: options.restaurants,
    users: options.restaurants / 10,
    rateLimit: { perSecond: SCALE_SYNC_PER_SECOND },
    label: 'scale_sync',
  })
  try {
    const results: ScaleSyncResult[] = []
    for (let round = 0; round < options.rounds; round++) {
      results.push(await measure(setup, options))
      const r = results.at(-1)!
      console.log(
        `scale-sync round ${round + 1}: ${(r.totalMs / 1000).toFixed(2)} s, minimum ${(r.minimumMs / 1000).toFixed(2)} s, ${r.rateLimited} 429s, done max/mean ${(r.done.max / r.done.mean).toFixed(2)}`,
      )
    }
    return results
  } finally {
    await setup.close()
  }
}

async function measure(setup: Setup, options: ScaleSyncOptions): Promise<ScaleSyncResult> {
  const { runtime, fake } = setup
  const workers = await Promise.all(
    Array.from({ length: options.workers }, () =>
      startChild<{ type: 'ready' }, WorkerReport>('./worker.ts', {
        ...setup.env,
        WORKER_CONCURRENCY: String(options.concurrency),
      }),
    ),
  )
  const enqueuedAt = new Map<string, number>()
  const jobOf = new Map<string, string>()
  let reports: Array<WorkerReport | undefined> = []
  let start = 0
  try {
    fake.clearRequests()
    // Earlier rounds' jobs are kept (completed) in the queue: count this round's on top of them.
    const before = await runtime.jobs.counts()
    const baseline = before.completed + before.failed
    start = Date.now()
    await Promise.all(
      setup.restaurants.map(async (r) => {
        enqueuedAt.set(r.id, Date.now())
        const { id } = await runtime.jobs.enqueueSync({ restaurantId: r.id, reason: 'manual' })
        jobOf.set(r.id, id)
      }),
    )
    // Bounded: ten times what 40 slots would need at 1 s a job, and never less than 5 minutes.
    const deadline = Date.now() + Math.max(300_000, (options.restaurants / 40) * 10_000)
    for (;;) {
      const counts = await runtime.jobs.counts()
      if (counts.completed + counts.failed >= baseline + options.restaurants) break
      if (Date.now() > deadline) throw new Error(`scale sync still running: ${JSON.stringify(counts)}`)
      await sleep(200)
    }
  } finally {
    reports = await Promise.all(workers.map((w) => w.stop()))
  }
  const infos = new Map<string, Awaited<ReturnType<typeof runtime.jobs.get>>>()
  const ids = [...jobOf.entries()]
  for (let i = 0; i < ids.length; i += 100)
    await Promise.all(
      ids
        .slice(i, i + 100)
        .map(async ([restaurant, id]) => infos.set(restaurant, await runtime.jobs.get(id))),
    )
  // The bench runs on one redis-server of its own, never a Cluster.
  const redis = await memoryByFamily(runtime.redis as Redis, setup.prefix)

  const api = fake.requests.filter((r) => r.method.includes('.'))
  const byAccount = new Map<string, number[]>()
  for (const r of api) {
    if (r.outcome === 'rate-limited') continue
    const list = byAccount.get(r.account ?? '?') ?? []
    list.push(r.at)
    byAccount.set(r.account ?? '?', list)
  }
  const failedJobs: string[] = []
  const wait: number[] = []
  const done: number[] = []
  const duration: number[] = []
  const perRestaurant: number[] = []
  let unexpected = 0
  let end = start
  for (const [i, r] of setup.restaurants.entries()) {
    const info = infos.get(r.id)
    if (info?.state !== 'completed') failedJobs.push(`${r.id}: ${info?.state} ${info?.failedReason ?? ''}`)
    const calls = byAccount.get(r.account) ?? []
    perRestaurant.push(calls.length)
    const live = fake.accounts[i]!.data.storages.filter((s) => String(s.delete) !== '1').length
    if (calls.length !== 5 + live) unexpected++
    const enqueued = enqueuedAt.get(r.id)!
    const finished = info?.finishedAt ?? enqueued
    end = Math.max(end, finished)
    wait.push((calls[0] ?? finished) - enqueued)
    done.push(finished - enqueued)
    duration.push(finished - (calls[0] ?? finished))
  }
  const slots = options.workers * options.concurrency
  const total = perRestaurant.reduce((t, n) => t + n, 0)
  return {
    options,
    perSecond: SCALE_SYNC_PER_SECOND,
    jobs: [...infos.values()].filter((i) => i?.state === 'completed').length,
    failedJobs,
    totalMs: end - start,
    minimumMs: pacedMakespan(perRestaurant, slots, SCALE_SYNC_PER_SECOND),
    steadyRateMs: (total / (SCALE_SYNC_PER_SECOND * Math.min(slots, options.restaurants))) * 1000,
    slots,
    calls: {
      total: api.length,
      perRestaurant: {
        min: Math.min(...perRestaurant),
        mean: total / perRestaurant.length,
        max: Math.max(...perRestaurant),
      },
      unexpected,
    },
    rateLimited: api.filter((r) => r.outcome === 'rate-limited').length,
    otherErrors: api.filter((r) => r.outcome !== 'ok' && r.outcome !== 'rate-limited').length,
    maxPerSecond: Math.max(...[...byAccount.values()].map((at) => maxInWindow(at, 1000))),
    peakCallsPerS: maxInWindow(
      api.map((r) => r.at),
      1000,
    ),
    wait: spread(wait),
    done: spread(done),
    duration: spread(duration),
    workers: reports,
    redis,
  }
}
