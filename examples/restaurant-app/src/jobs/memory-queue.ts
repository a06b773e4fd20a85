import { randomUUID } from 'node:crypto'
import { runJobTraced, traceEnqueue } from '../telemetry/job-trace'
import {
  dedupeKey,
  type EnqueueResult,
  JOB_ATTEMPTS,
  JOB_BACKOFF_MS,
  type JobContext,
  type JobHandlers,
  type JobInfo,
  type JobQueue,
  type JobState,
  PermanentJobError,
  type SupplyJobData,
  type SyncJobData,
  scheduleNames,
} from './queue'

interface Entry {
  info: JobInfo
  data: SyncJobData | SupplyJobData | undefined
  dedupe: string | undefined
  timer?: NodeJS.Timeout
  /** The enqueuing span's W3C trace context (JSON), for the job's link. */
  trace?: string
}

const KEEP_FINISHED = 1_000

/**
 * The embedded job runner: same contract as the BullMQ queue (dedupe, retries
 * with exponential backoff, progress), kept in this process. Jobs do not
 * survive a restart; the scheduled sync catches up.
 */
export function createMemoryQueue(
  options: { onEvent?: (name: string, outcome: string) => void } = {},
): JobQueue {
  const jobs = new Map<string, Entry>()
  const byDedupe = new Map<string, string>()
  const ready: string[] = []
  const timers = new Set<NodeJS.Timeout>()
  let handlers: JobHandlers | undefined
  let concurrency = 0
  let running = 0
  let closed = false
  let scheduled = false
  const idle = new Set<() => void>()

  /** `add` in a producer span whose context the job keeps. */
  function traced(name: string, data: SyncJobData | SupplyJobData | undefined, delayMs = 0) {
    return traceEnqueue({ system: 'in-process', name }, async (trace) => add(name, data, delayMs, trace))
  }

  function add(
    name: string,
    data: SyncJobData | SupplyJobData | undefined,
    delayMs = 0,
    trace?: string,
  ): EnqueueResult {
    const dedupe = data && name === 'sync' ? dedupeKey(data as SyncJobData) : undefined
    const existing = dedupe ? byDedupe.get(dedupe) : undefined
    if (existing) return { id: existing, deduplicated: true }
    const id = `${name}-${randomUUID()}`
    const info: JobInfo = {
      id,
      name,
      restaurantId: data?.restaurantId,
      state: delayMs > 0 ? 'delayed' : 'waiting',
      progress: 0,
      attempts: 0,
      failedReason: undefined,
      result: undefined,
      createdAt: Date.now(),
      finishedAt: undefined,
    }
    jobs.set(id, { info, data, dedupe, ...(trace ? { trace } : {}) })
    if (dedupe) byDedupe.set(dedupe, id)
    if (delayMs > 0) later(id, delayMs)
    else ready.push(id)
    pump()
    trim()
    return { id, deduplicated: false }
  }

  function later(id: string, ms: number): void {
    const entry = jobs.get(id)
    const timer = setTimeout(() => {
      timers.delete(timer)
      if (!entry || closed || entry.timer !== timer) return
      entry.timer = undefined
      entry.info.state = 'waiting'
      ready.push(id)
      pump()
    }, ms)
    timer.unref()
    timers.add(timer)
    if (entry) entry.timer = timer
  }

  /** A delayed job runs now (its timer is dropped). */
  function promote(entry: Entry): void {
    if (entry.info.state !== 'delayed' || !entry.timer) return
    clearTimeout(entry.timer)
    timers.delete(entry.timer)
    entry.timer = undefined
    entry.info.state = 'waiting'
    ready.push(entry.info.id)
    pump()
  }

  function pump(): void {
    while (handlers && !closed && running < concurrency && ready.length > 0) {
      const id = ready.shift() as string
      const entry = jobs.get(id)
      if (entry) void run(entry, handlers)
    }
    if (running === 0 && (closed || ready.length === 0)) for (const resolve of idle) resolve()
  }

  async function run(entry: Entry, work: JobHandlers): Promise<void> {
    running++
    const { info } = entry
    info.state = 'active'
    info.attempts++
    const context: JobContext = {
      id: info.id,
      attempt: info.attempts,
      progress: async (percent) => {
        info.progress = Math.max(0, Math.min(100, Math.round(percent)))
      },
    }
    const trace = { system: 'in-process', name: info.name, id: info.id, attempt: info.attempts }
    try {
      info.result = await runJobTraced(trace, entry.trace, () =>
        info.name === 'sync'
          ? work.sync(entry.data as SyncJobData, context)
          : info.name === 'poster-supply'
            ? work.pushSupply(entry.data as SupplyJobData, context)
            : info.name === 'sync-all'
              ? work.syncAll(context)
              : work.tokenCheck(context),
      )
      info.state = 'completed'
      info.progress = 100
      info.failedReason = undefined
      finish(entry, 'completed')
    } catch (error) {
      info.failedReason = error instanceof Error ? error.message : String(error)
      if (!(error instanceof PermanentJobError) && info.attempts < JOB_ATTEMPTS && !closed) {
        info.state = 'delayed'
        options.onEvent?.(info.name, 'retried')
        later(info.id, JOB_BACKOFF_MS * 2 ** (info.attempts - 1))
      } else {
        info.state = 'failed'
        finish(entry, 'failed')
      }
    } finally {
      running--
      pump()
    }
  }

  function finish(entry: Entry, outcome: string): void {
    entry.info.finishedAt = Date.now()
    if (entry.dedupe && byDedupe.get(entry.dedupe) === entry.info.id) byDedupe.delete(entry.dedupe)
    options.onEvent?.(entry.info.name, outcome)
  }

  function trim(): void {
    if (jobs.size <= KEEP_FINISHED * 2) return
    for (const [id, entry] of jobs) {
      if (jobs.size <= KEEP_FINISHED) break
      if (entry.info.state === 'completed' || entry.info.state === 'failed') jobs.delete(id)
    }
  }

  return {
    kind: 'in-process',
    async enqueueSync(data, opts) {
      if (closed) throw new Error('The job queue is closed.')
      return traced('sync', data, opts?.delayMs)
    },
    async syncNow(data) {
      if (closed) throw new Error('The job queue is closed.')
      const result = await traced('sync', data)
      const entry = jobs.get(result.id)
      if (result.deduplicated && entry) promote(entry)
      return result
    },
    async get(id) {
      const entry = jobs.get(id)
      return entry ? { ...entry.info } : undefined
    },
    async enqueueSupply(data) {
      if (closed) throw new Error('The job queue is closed.')
      return traced('poster-supply', data)
    },
    async counts() {
      const counts: Record<JobState, number> = { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 }
      for (const entry of jobs.values()) counts[entry.info.state]++
      return counts
    },
    startWorker(work, workerConcurrency) {
      handlers = work
      concurrency = workerConcurrency
      pump()
    },
    async startSchedules({ syncEveryMs, tokenCheckEveryMs }) {
      scheduled = true
      for (const [name, every] of [
        ['sync-all', syncEveryMs],
        ['token-check', tokenCheckEveryMs],
      ] as const) {
        const timer = setInterval(() => add(name, undefined), every)
        timer.unref()
        timers.add(timer)
      }
    },
    // Timers in this process cannot be lost while it runs.
    async schedules() {
      return { expected: scheduled, missing: scheduled ? [] : [...scheduleNames] }
    },
    async ping() {
      return !closed
    },
    async close() {
      closed = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      if (running > 0) await new Promise<void>((resolve) => idle.add(resolve))
    },
  }
}
