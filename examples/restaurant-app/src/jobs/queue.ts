/** What a sync fetches from Poster; a webhook names only what changed. */
export const syncScopes = ['storages', 'suppliers', 'categories', 'ingredients', 'products', 'stock'] as const
export type SyncScope = (typeof syncScopes)[number]

export interface SyncJobData {
  restaurantId: string
  /** Undefined: everything. */
  scope?: SyncScope[]
  reason: 'manual' | 'scheduled' | 'webhook'
  /** The user who asked for it (a manual sync), for error reports. */
  requestedBy?: number
}

/** A received order to send to Poster as a supply (its outbox row says what and how far it got). */
export interface SupplyJobData {
  restaurantId: string
  orderId: number
  /** The user who received the order or asked to send it again, for error reports. */
  requestedBy?: number
}

export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed'
export const jobStates: readonly JobState[] = ['waiting', 'delayed', 'active', 'completed', 'failed']

/** A job as the API and admin page show it. */
export interface JobInfo {
  id: string
  name: string
  restaurantId: string | undefined
  state: JobState
  /** 0 to 100. */
  progress: number
  attempts: number
  failedReason: string | undefined
  result: unknown
  createdAt: number
  finishedAt: number | undefined
}

export interface JobContext {
  id: string
  /** 1 for the first run. */
  attempt: number
  progress(percent: number): Promise<void>
}

/** The work itself; the same code runs under BullMQ and the in-process runner. */
export interface JobHandlers {
  sync(data: SyncJobData, context: JobContext): Promise<unknown>
  /** Scheduled tick: enqueue every active restaurant's sync, spread over the interval. */
  syncAll(context: JobContext): Promise<unknown>
  /** Daily: tokens near their two-year end or refused by Poster. */
  tokenCheck(context: JobContext): Promise<unknown>
  /** A received order's supply to Poster, exactly once (safe to run twice or concurrently). */
  pushSupply(data: SupplyJobData, context: JobContext): Promise<unknown>
}

export interface EnqueueResult {
  id: string
  /** True when an identical sync was already waiting or running: its id is returned. */
  deduplicated: boolean
}

/** The schedules a deployment runs (`startSchedules`). */
export const scheduleNames = ['sync-all', 'token-check'] as const

export interface ScheduleOptions {
  syncEveryMs: number
  tokenCheckEveryMs: number
  /** How often to check that the schedules still exist and re-create any that is gone. */
  checkEveryMs?: number
}

export interface JobQueue {
  readonly kind: 'bullmq' | 'in-process'
  enqueueSync(data: SyncJobData, options?: { delayMs?: number }): Promise<EnqueueResult>
  /**
   * "Sync now" (Force Sync, a manual sync, a reinstall): enqueues the sync, or, when an identical one is
   * already pending (such as the scheduler's, delayed by minutes), makes that one run now instead.
   */
  syncNow(data: SyncJobData): Promise<EnqueueResult>
  get(id: string): Promise<JobInfo | undefined>
  counts(): Promise<Record<JobState, number>>
  /** Sends a received order's supply to Poster; not deduplicated (each run claims the order first). */
  enqueueSupply(data: SupplyJobData): Promise<EnqueueResult>
  /** Run jobs in this process. */
  startWorker(handlers: JobHandlers, concurrency: number): void
  /**
   * Repeat `syncAll` every `syncEveryMs` and `tokenCheck` daily (one schedule per deployment), and keep
   * checking that they exist: Redis may lose them (a restart without persistence, a failover, a flush).
   */
  startSchedules(options: ScheduleOptions): Promise<void>
  /**
   * Which schedules are missing. `expected` is true when this process started them or has seen them:
   * only then is a missing one a fault (an API-only instance of a deployment with no worker expects none).
   */
  schedules(): Promise<{ expected: boolean; missing: string[] }>
  /** True while the queue's backend answers. */
  ping(): Promise<boolean>
  close(): Promise<void>
}

/** The queue's backend (Redis) did not answer: nothing was enqueued. */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError'
}

/** Thrown by a handler when retrying cannot help (revoked token, unknown restaurant). */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError'
}

export const JOB_ATTEMPTS = 5
export const JOB_BACKOFF_MS = 1_000

export function dedupeKey(data: SyncJobData): string {
  const scope = data.scope ? [...data.scope].sort().join('+') : 'all'
  return `sync:${data.restaurantId}:${scope}`
}
