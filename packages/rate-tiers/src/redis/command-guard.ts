import type { Cluster, Redis } from 'ioredis'
import { RateStoreError } from '../errors'

const STORE = 'redis'
// Worth waiting for (up to the timeout): a first connection, or a reconnect attempt under way.
const CONNECTING = new Set(['wait', 'connecting', 'connect'])

/** One piece of guarded work not yet answered. */
interface Pending {
  deadline: number
  done: boolean
  reject: (error: unknown) => void
}

/**
 * Runs Redis work so that no caller waits longer than `timeoutMs`. ioredis queues commands while it
 * is disconnected; a limiter must answer now, so work is sent only on a ready connection: a client
 * still connecting is waited for (within the timeout), one that lost its connection fails at once.
 */
export function commandGuard(
  client: Redis | Cluster,
  timeoutMs: number,
): <T>(work: () => Promise<T>) => Promise<T> {
  let ready: Promise<void> | undefined
  // One listener however many callers wait.
  const whenReady = (): Promise<void> => {
    ready ??= new Promise<void>((resolve) => {
      client.once('ready', () => {
        ready = undefined
        resolve()
      })
    })
    return ready
  }

  // Every piece of work has the same timeout, so deadlines come in the order work starts: one timer
  // for the oldest unanswered piece serves them all, instead of a timer set and cleared per decision.
  // Answered pieces leave from the front at once (replies mostly come in order), so they die young.
  const pending: (Pending | undefined)[] = []
  let head = 0
  let timer: NodeJS.Timeout | undefined

  function dropAnswered(): void {
    while (head < pending.length && pending[head]!.done) pending[head++] = undefined
    if (head === pending.length) {
      pending.length = 0
      head = 0
    } else if (head > 1024 && head * 2 > pending.length) {
      pending.splice(0, head)
      head = 0
    }
  }

  function arm(): void {
    if (head === pending.length) return
    timer = setTimeout(expire, Math.max(0, pending[head]!.deadline - performance.now()))
    // Pending work keeps the process alive through its connection; a spent timer must not.
    timer.unref()
  }

  function expire(): void {
    timer = undefined
    const now = performance.now()
    for (let i = head; i < pending.length; i++) {
      const waiting = pending[i]!
      if (waiting.done) continue
      if (waiting.deadline > now) break
      waiting.done = true
      waiting.reject(
        new RateStoreError(
          'RATE_TIERS_STORE_TIMEOUT',
          STORE,
          `no answer within ${timeoutMs} ms; Redis may be overloaded or frozen (raise \`timeout\` if it is merely slow).`,
        ),
      )
    }
    dropAnswered()
    arm()
  }

  function answered(waiting: Pending): void {
    waiting.done = true
    if (pending[head] === waiting) dropAnswered()
  }

  return <T>(work: () => Promise<T>): Promise<T> => {
    const status = client.status
    if (status !== 'ready' && !CONNECTING.has(status)) {
      return Promise.reject(
        new RateStoreError(
          'RATE_TIERS_STORE_UNAVAILABLE',
          STORE,
          `the client is ${status}, not ready; check that Redis is reachable.`,
        ),
      )
    }
    // A lazyConnect client connects on its first command; this work is not sent until it is ready.
    if (status === 'wait') client.connect().catch(() => {})
    return new Promise<T>((resolve, reject) => {
      const waiting: Pending = { deadline: performance.now() + timeoutMs, done: false, reject }
      pending.push(waiting)
      if (timer === undefined) arm()
      // Past the timeout the caller has its answer; sending the work late would only charge Redis.
      const send = (): Promise<T | undefined> => (waiting.done ? Promise.resolve(undefined) : work())
      const sent = status === 'ready' ? send() : whenReady().then(send)
      sent.then(
        (value) => {
          if (waiting.done) return
          answered(waiting)
          resolve(value as T)
        },
        (error: unknown) => {
          if (waiting.done) return
          answered(waiting)
          reject(
            new RateStoreError(
              'RATE_TIERS_STORE_UNAVAILABLE',
              STORE,
              `command failed: ${error instanceof Error ? error.message : String(error)}`,
              error,
            ),
          )
        },
      )
    })
  }
}
