import type { FakeRequest } from '@rc/poster-client/testing'
import type { JobInfo } from '../src/jobs/queue'
import { startChild } from './processes'
import { POSTER_PER_MINUTE, POSTER_PER_SECOND, type Setup } from './setup'

/** Poster calls in one full sync: five lists, then the leftovers of each live storage. */
const LISTS_PER_SYNC = 5

export interface SyncOptions {
  workers: number
  concurrency: number
  /** 'fill': enough rounds that every account needs just over one minute's allowance; or a count. */
  rounds: 'fill' | number
}

export interface WorkerReport {
  type: 'stopped'
  jobsCompleted: number
  posterCalls: number
  posterRetries: number
  cpuMs?: number
}

export interface SyncResult {
  options: SyncOptions
  jobs: number
  failedJobs: string[]
  totalMs: number
  /** Earliest the last call can be sent under the fake's 100/min alone, and with the app's per-second too. */
  minimumFakeMs: number
  minimumMs: number
  calls: { total: number; perAccountMin: number; perAccountMax: number; unexpected: number }
  rateLimited: number
  otherErrors: number
  /** Most calls any account was served in a sliding 60 s, as the fake recorded them. */
  maxPerMinute: number
  workers: Array<WorkerReport | undefined>
  /** Where the time over the minimum goes, ms from the first enqueue (max over accounts). */
  timeline: {
    firstCallMs: number
    /** Calls past the first minute's allowance: how long after the minute they went. */
    spillDelayMs: number
    lastCallMs: number
  }
}

/**
 * Earliest time the n-th call can start when every call goes as soon as all sliding windows
 * allow and takes no time: call k waits for call k - limit to leave each window.
 */
export function earliestLastCall(n: number, windows: Array<{ ms: number; limit: number }>): number {
  const t: number[] = []
  for (let k = 0; k < n; k++) {
    t[k] = Math.max(0, ...windows.map((w) => (k >= w.limit ? t[k - w.limit]! + w.ms : 0)))
  }
  return t[n - 1] ?? 0
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Syncs every restaurant `rounds` times through BullMQ workers in child processes. A restaurant's
 * next round is enqueued once its previous one completed (identical pending syncs are deduplicated
 * by the app, as they should be), so each account's calls follow each other like back-to-back
 * scheduled, manual and webhook syncs would.
 */
export async function runSyncBench(setup: Setup, options: SyncOptions): Promise<SyncResult> {
  const { runtime, fake } = setup
  const plan = setup.restaurants.map((r, i) => {
    const live = fake.accounts[i]!.data.storages.filter((s) => String(s.delete) !== '1').length
    const perSync = LISTS_PER_SYNC + live
    const rounds =
      options.rounds === 'fill' ? Math.floor(POSTER_PER_MINUTE / perSync) + 1 : Math.max(1, options.rounds)
    return { restaurant: r, perSync, rounds, done: 0 }
  })

  const workers = await Promise.all(
    Array.from({ length: options.workers }, () =>
      startChild<{ type: 'ready' }, WorkerReport>('./worker.ts', {
        ...setup.env,
        WORKER_CONCURRENCY: String(options.concurrency),
      }),
    ),
  )
  let reports: Array<WorkerReport | undefined> = []
  const failedJobs: string[] = []
  const finished: JobInfo[] = []
  let start = 0
  try {
    fake.clearRequests()
    const pending = new Map<string, (typeof plan)[number]>()
    const enqueue = async (entry: (typeof plan)[number]) => {
      const { id, deduplicated } = await runtime.jobs.enqueueSync({
        restaurantId: entry.restaurant.id,
        reason: 'manual',
      })
      if (deduplicated) throw new Error(`sync of ${entry.restaurant.id} was deduplicated: a round overlapped`)
      pending.set(id, entry)
    }
    start = Date.now()
    await Promise.all(plan.map(enqueue))
    // Polling through the app's own JobQueue API; 50 ms is small next to the minute being measured.
    while (pending.size > 0) {
      await sleep(50)
      const ids = [...pending.keys()]
      const infos = await Promise.all(ids.map((id) => runtime.jobs.get(id)))
      for (const [index, info] of infos.entries()) {
        const id = ids[index]!
        const entry = pending.get(id)!
        if (info?.state === 'failed') {
          pending.delete(id)
          failedJobs.push(`${entry.restaurant.id}: ${info.failedReason}`)
        } else if (info?.state === 'completed') {
          pending.delete(id)
          finished.push(info)
          if (++entry.done < entry.rounds) await enqueue(entry)
        }
      }
    }
  } finally {
    reports = await Promise.all(workers.map((w) => w.stop()))
  }
  const end = Math.max(...finished.map((j) => j.finishedAt ?? 0))
  const api = fake.requests.filter((r) => r.method.includes('.'))
  const byAccount = new Map<string, FakeRequest[]>()
  for (const r of api) {
    const list = byAccount.get(r.account ?? '?') ?? []
    list.push(r)
    byAccount.set(r.account ?? '?', list)
  }
  const served = setup.restaurants.map((r) =>
    (byAccount.get(r.account) ?? []).filter((q) => q.outcome !== 'rate-limited'),
  )
  const expected = plan.map((p) => p.perSync * p.rounds)
  const minimum = (windows: Array<{ ms: number; limit: number }>) =>
    Math.max(...served.map((calls) => earliestLastCall(calls.length, windows)))
  return {
    options,
    jobs: finished.length,
    failedJobs,
    totalMs: end - start,
    minimumFakeMs: minimum([{ ms: 60_000, limit: POSTER_PER_MINUTE }]),
    minimumMs: minimum([
      { ms: 1000, limit: POSTER_PER_SECOND },
      { ms: 60_000, limit: POSTER_PER_MINUTE },
    ]),
    calls: {
      total: api.length,
      perAccountMin: Math.min(...served.map((c) => c.length)),
      perAccountMax: Math.max(...served.map((c) => c.length)),
      unexpected: served.filter((c, i) => c.length !== expected[i]).length,
    },
    rateLimited: api.filter((r) => r.outcome === 'rate-limited').length,
    otherErrors: api.filter((r) => r.outcome !== 'ok' && r.outcome !== 'rate-limited').length,
    maxPerMinute: Math.max(...served.map(maxInWindow)),
    workers: reports,
    timeline: {
      firstCallMs: Math.max(...served.map((c) => (c[0]?.at ?? start) - start)),
      // Call k + 100 may go 60 s after call k: the slowest such follow-up shows the limiter's lag.
      spillDelayMs: Math.max(
        ...served.flatMap((c) => c.slice(POSTER_PER_MINUTE).map((call, k) => call.at - c[k]!.at - 60_000)),
      ),
      lastCallMs: Math.max(...api.map((r) => r.at)) - start,
    },
  }
}

/** The most requests in any 60 s window starting at one of them. */
function maxInWindow(calls: FakeRequest[]): number {
  const at = calls.map((c) => c.at).sort((a, b) => a - b)
  let best = 0
  let lo = 0
  for (let hi = 0; hi < at.length; hi++) {
    while (at[hi]! - at[lo]! >= 60_000) lo++
    best = Math.max(best, hi - lo + 1)
  }
  return best
}
