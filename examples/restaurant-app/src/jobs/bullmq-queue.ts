import { randomUUID } from 'node:crypto'
import { type ConnectionOptions, type Job, Queue, UnrecoverableError, Worker } from 'bullmq'
import type { Cluster, Redis, RedisOptions } from 'ioredis'
import { createRedisClient, type RedisTarget, redisOptionsOf, slotPrefix } from '../infra/redis'
import { settledWithin } from '../infra/settled-within'
import { runJobTraced, traceEnqueue } from '../telemetry/job-trace'
import {
  dedupeKey,
  type EnqueueResult,
  JOB_ATTEMPTS,
  JOB_BACKOFF_MS,
  type JobHandlers,
  type JobInfo,
  type JobQueue,
  type JobState,
  jobStates,
  PermanentJobError,
  QueueUnavailableError,
  type ScheduleOptions,
  type SupplyJobData,
  type SyncJobData,
  scheduleNames,
} from './queue'

const QUEUE = 'sync'

async function unavailable<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation
  } catch (error) {
    throw new QueueUnavailableError(
      `The job queue is unreachable (${(error as Error).message}); try again shortly.`,
      {
        cause: error,
      },
    )
  }
}

// Workers must keep retrying while Redis is away instead of failing commands.
const WORKER_OPTIONS: RedisOptions = {
  maxRetriesPerRequest: null,
  // Back within 2 s of Redis returning (BullMQ's default backoff grows to 20 s).
  retryStrategy: (times: number) => Math.min(times * 100, 2_000),
}
// Producers fail fast while Redis is away (an API request must not hang); workers keep waiting.
// Not enableOfflineQueue: false, which makes BullMQ's close() hang after a Redis restart.
const PRODUCER_OPTIONS: RedisOptions = { ...WORKER_OPTIONS, maxRetriesPerRequest: 1, commandTimeout: 2_000 }
const CLOSE_TIMEOUT_MS = 10_000
// What close() gives a step that should not wait on Redis at all (it disconnects).
const FORCED_CLOSE_MS = 3_000
// How far past its due time a scheduler's next run may be before a check looks at whether it still exists.
const STALLED_AFTER_MS = 1_000

/** The enqueuing span's W3C context, where BullMQ's own telemetry keeps it (read back in the worker). */
const withTrace = (carrier: string | undefined) => (carrier ? { telemetry: { metadata: carrier } } : {})

/** ioredis options from a redis:// URL; BullMQ opens its own connections (workers block on one). */
export function bullConnection(url: string): ConnectionOptions {
  return redisOptionsOf({ kind: 'standalone', url }, WORKER_OPTIONS) as ConnectionOptions
}

/**
 * BullMQ's connection to a target: ioredis options for one server (BullMQ opens its connections from
 * them), else a client of ours, kept in `owned` to close: BullMQ takes a Cluster only as an instance,
 * and a Sentinel client needs `followFailovers` (src/infra/redis.ts), which BullMQ's would lack.
 */
function connectionOf(
  target: RedisTarget,
  options: RedisOptions,
  owned: (Redis | Cluster)[],
): ConnectionOptions {
  if (target.kind === 'standalone') return redisOptionsOf(target, options) as ConnectionOptions
  const client = createRedisClient(target, options)
  client.on('error', () => {}) // reconnects by itself; health checks report the outage
  owned.push(client)
  return client
}

/**
 * Sync jobs on BullMQ: API instances enqueue, any number of worker processes
 * run them. Identical pending syncs are deduplicated; failures retry with
 * exponential backoff; schedules are job schedulers, so one tick per interval
 * for the whole deployment however many instances start them.
 */
export function createBullQueue(options: {
  redis: RedisTarget
  /** Key prefix; on a Cluster it is wrapped in a hash tag (`{prefix}`) so each queue stays in one slot. */
  prefix: string
  onEvent?: (name: string, outcome: string) => void
  /** Default for `startSchedules`' `checkEveryMs`. */
  scheduleCheckMs?: number
  /** How long `close()` lets running jobs finish before it closes anyway. Default 10 s. */
  closeTimeoutMs?: number
  log?: { warn(details: object, message: string): void }
}): JobQueue {
  const closeTimeoutMs = options.closeTimeoutMs ?? CLOSE_TIMEOUT_MS
  // Jobs taken and not yet recorded as finished (BullMQ's events come after it wrote the outcome).
  const running = new Set<string>()
  let drained: (() => void) | undefined
  const owned: (Redis | Cluster)[] = []
  const prefix = slotPrefix(options.redis, options.prefix)
  const queue = new Queue(QUEUE, { connection: connectionOf(options.redis, PRODUCER_OPTIONS, owned), prefix })
  queue.on('error', () => {}) // reconnects by itself; health checks report the outage
  let worker: Worker | undefined
  let schedule: ScheduleOptions | undefined
  let scheduleCheck: NodeJS.Timeout | undefined
  let schedulesSeen = false

  /**
   * Each scheduler's state in Redis: `missing` (gone: data lost), `stalled` (there, but it will never
   * run again: BullMQ schedules a scheduler's next run when the current one starts, and gives up if
   * Redis fails at that moment, leaving it pointing at a run that is gone or already over), or fine.
   */
  async function checkSchedules(): Promise<{ missing: string[]; stalled: string[] }> {
    const overdue = Date.now() - STALLED_AFTER_MS
    const states = await Promise.all(
      scheduleNames.map(async (name) => {
        const scheduler = await queue.getJobScheduler(name)
        if (!scheduler) return 'missing'
        if (!scheduler.next || scheduler.next > overdue) return 'ok'
        // BullMQ 6's id of a scheduler's run (JobScheduler.getSchedulerNextJobId).
        const run = await queue.getJobState(`repeat:${name}:${scheduler.next}`)
        return run === 'unknown' || run === 'completed' || run === 'failed' ? 'stalled' : 'ok'
      }),
    )
    const named = (state: string) => scheduleNames.filter((_, i) => states[i] === state)
    return { missing: named('missing'), stalled: named('stalled') }
  }

  async function upsertSchedules(
    names: readonly string[],
    { syncEveryMs, tokenCheckEveryMs }: ScheduleOptions,
  ) {
    const every: Record<string, number> = { 'sync-all': syncEveryMs, 'token-check': tokenCheckEveryMs }
    for (const name of names) await queue.upsertJobScheduler(name, { every: every[name] as number }, { name })
  }

  async function enqueue(data: SyncJobData, delayMs: number): Promise<EnqueueResult> {
    const id = `sync-${randomUUID()}`
    const job = await traceEnqueue({ system: 'bullmq', name: 'sync' }, (carrier) =>
      unavailable(
        queue.add('sync', data, {
          jobId: id,
          delay: delayMs,
          attempts: JOB_ATTEMPTS,
          backoff: { type: 'exponential', delay: JOB_BACKOFF_MS },
          deduplication: { id: dedupeKey(data) },
          removeOnComplete: { age: 24 * 3600, count: 5_000 },
          removeOnFail: { age: 7 * 24 * 3600 },
          ...withTrace(carrier),
        }),
      ),
    )
    return { id: job.id as string, deduplicated: job.id !== id }
  }

  function info(job: Job, state: JobState): JobInfo {
    const progress = typeof job.progress === 'number' ? job.progress : 0
    return {
      id: job.id as string,
      name: job.name,
      restaurantId: (job.data as Partial<SyncJobData> | undefined)?.restaurantId,
      state,
      progress: state === 'completed' ? 100 : progress,
      attempts: job.attemptsMade + (state === 'active' ? 1 : 0),
      failedReason: job.failedReason || undefined,
      result: job.returnvalue ?? undefined,
      createdAt: job.timestamp,
      finishedAt: job.finishedOn ?? undefined,
    }
  }

  return {
    kind: 'bullmq',
    enqueueSync: (data, opts) => enqueue(data, opts?.delayMs ?? 0),
    async syncNow(data) {
      const result = await enqueue(data, 0)
      if (!result.deduplicated) return result
      // The identical pending job may be delayed (the scheduler's slot, or a retry's backoff): run it now.
      const job = await unavailable(queue.getJob(result.id))
      if (job && (await unavailable(job.isDelayed()))) {
        // It may have become due in between: then it is waiting already, which is what we want.
        await job.promote().catch(() => {})
      }
      return result
    },
    async get(id) {
      const job = await unavailable(queue.getJob(id))
      if (!job) return undefined
      const state = await unavailable(job.getState())
      const mapped: JobState =
        state === 'completed' || state === 'failed' || state === 'active' || state === 'delayed'
          ? state
          : 'waiting'
      return info(job, mapped)
    },
    async counts() {
      const counts = await unavailable(queue.getJobCounts(...jobStates))
      return Object.fromEntries(jobStates.map((s) => [s, counts[s] ?? 0])) as Record<JobState, number>
    },
    async enqueueSupply(data) {
      const job = await traceEnqueue({ system: 'bullmq', name: 'poster-supply' }, (carrier) =>
        unavailable(
          queue.add('poster-supply', data, {
            jobId: `supply-${randomUUID()}`,
            attempts: JOB_ATTEMPTS,
            backoff: { type: 'exponential', delay: JOB_BACKOFF_MS },
            removeOnComplete: { age: 24 * 3600, count: 5_000 },
            removeOnFail: { age: 7 * 24 * 3600 },
            ...withTrace(carrier),
          }),
        ),
      )
      return { id: job.id as string, deduplicated: false }
    },
    startWorker(handlers: JobHandlers, concurrency: number) {
      worker = new Worker(
        QUEUE,
        async (job) => {
          const context = {
            id: job.id as string,
            attempt: job.attemptsMade + 1,
            progress: (percent: number) => job.updateProgress(Math.round(percent)),
          }
          const trace = { system: 'bullmq', name: job.name, id: context.id, attempt: context.attempt }
          try {
            return await runJobTraced(trace, job.opts.telemetry?.metadata, async () => {
              if (job.name === 'sync') return await handlers.sync(job.data as SyncJobData, context)
              if (job.name === 'sync-all') return await handlers.syncAll(context)
              if (job.name === 'token-check') return await handlers.tokenCheck(context)
              if (job.name === 'poster-supply')
                return await handlers.pushSupply(job.data as SupplyJobData, context)
              throw new PermanentJobError(`Unknown job ${job.name}`)
            })
          } catch (error) {
            if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message)
            throw error
          }
        },
        { connection: connectionOf(options.redis, WORKER_OPTIONS, owned), prefix, concurrency },
      )
      worker.on('error', () => {})
      worker.on('active', (job) => running.add(job.id as string))
      const finished = (job: Job | undefined) => {
        if (job && running.delete(job.id as string) && running.size === 0) drained?.()
      }
      worker.on('completed', (job) => {
        finished(job)
        options.onEvent?.(job.name, 'completed')
      })
      worker.on('failed', (job, error) => {
        finished(job)
        if (!job) return
        const final = error instanceof UnrecoverableError || job.attemptsMade >= JOB_ATTEMPTS
        options.onEvent?.(job.name, final ? 'failed' : 'retried')
      })
    },
    async startSchedules(spec) {
      schedule = spec
      await upsertSchedules(scheduleNames, spec)
      const everyMs = spec.checkEveryMs ?? options.scheduleCheckMs ?? 60_000
      if (scheduleCheck) clearInterval(scheduleCheck)
      scheduleCheck = setInterval(() => {
        checkSchedules()
          .then(async ({ missing, stalled }) => {
            if (!schedule) return
            if (missing.length > 0) {
              options.log?.warn(
                { missing },
                'job schedulers missing from Redis (data lost?): re-creating them',
              )
            }
            if (stalled.length > 0) {
              options.log?.warn(
                { stalled },
                'job schedulers whose next run is gone (a Redis failover?): rescheduling them',
              )
            }
            if (missing.length + stalled.length > 0) await upsertSchedules([...missing, ...stalled], schedule)
          })
          .catch(() => {}) // Redis unreachable: the next check tries again
      }, everyMs)
      scheduleCheck.unref()
    },
    async schedules() {
      const { missing } = await unavailable(checkSchedules())
      if (missing.length === 0) schedulesSeen = true
      return { expected: schedule !== undefined || schedulesSeen, missing }
    },
    async ping() {
      try {
        // getJobCounts is one cheap round trip; it throws while Redis is unreachable.
        await queue.getJobCounts('active')
        return true
      } catch {
        return false
      }
    },
    async close() {
      if (scheduleCheck) clearInterval(scheduleCheck)
      // BullMQ's graceful close waits on Redis, for good while Redis is unreachable (a SIGTERM during
      // an outage would never exit). So: take no new job (local), give the running ones
      // closeTimeoutMs, then close without waiting; a job cut off is stalled and runs again elsewhere.
      if (worker) {
        await worker.pause(true).catch(() => {})
        if (running.size > 0) {
          const all = new Promise<void>((resolve) => {
            drained = resolve
          })
          if (!(await settledWithin(all, closeTimeoutMs))) {
            options.log?.warn(
              { running: [...running] },
              `jobs still running after ${closeTimeoutMs} ms: closing anyway, they will run again`,
            )
          }
        }
        await settledWithin(worker.close(true), FORCED_CLOSE_MS)
      }
      if (!(await settledWithin(queue.close(), FORCED_CLOSE_MS))) await queue.disconnect().catch(() => {})
      for (const client of owned) client.disconnect()
    },
  }
}
