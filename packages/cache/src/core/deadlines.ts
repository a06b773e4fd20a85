import { CacheStoreError } from '../errors'
import type { CacheStore } from '../types'

interface Pending {
  /** The step count when the call was made. */
  step: number
  settled: boolean
  /** A write: given up on, it may still be delivered (see `Deadlines.lateWritesSettled`). */
  write: boolean
  store: string
  reject(error: unknown): void
}

// Deadlines are judged in quarters of the timeout: a call counts as timed out
// once more than this many quarter-steps have passed since it was made, so
// between 1 and 1.25 times the timeout (no clock read per call).
const STEPS = 4

const ignore = () => {}

/**
 * Times out store calls that all share one timeout. A timer steps a counter
 * every quarter of the timeout while calls are pending; each call records the
 * step it was made in, so the hot path reads no clock and arms no timer. When
 * calls expire, the verdict waits one setImmediate: the poll phase runs first,
 * so a reply that arrived while the event loop was blocked (GC, CPU
 * starvation) wins instead of passing for a dead store.
 *
 * A write that timed out is not cancelled: the client may still deliver it
 * (ioredis resends on reconnect, a Cluster retries through CLUSTERDOWN and
 * failovers for a second or more). Those are counted until their call settles.
 */
export class Deadlines {
  private readonly queue: Pending[] = []
  private head = 0
  private step = 0
  private timer: NodeJS.Timeout | undefined
  private readonly ms: number
  /** Writes given up on whose store call has not settled: when each was given up on. */
  private readonly late = new Map<Pending, number>()
  private lateSettled: (() => void)[] = []

  constructor(ms: number) {
    this.ms = ms
  }

  race<T>(call: (store: CacheStore) => Promise<T>, store: CacheStore, write = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { step: this.step, settled: false, write, store: store.name, reject }
      // Drop settled calls at the head here too, not only when the timer
      // steps: a run of calls that never yields to the event loop (a memory
      // store) would otherwise grow the queue until the next timer phase.
      while (this.head < this.queue.length && this.queue[this.head]!.settled) this.head++
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head)
        this.head = 0
      }
      this.queue.push(pending)
      if (this.timer === undefined) this.arm()
      let promise: Promise<T>
      try {
        promise = call(store)
      } catch (error) {
        promise = Promise.reject(error)
      }
      const settle = () => {
        if (!pending.settled) {
          pending.settled = true
          // The queue keeps a settled call until the next step: drop what it
          // holds, or every result of the last quarter-timeout stays reachable
          // (old-space GC work under load).
          pending.reject = ignore
          return true
        }
        if (this.late.delete(pending) && this.late.size === 0) {
          for (const wake of this.lateSettled.splice(0)) wake()
        }
        return false
      }
      promise.then(
        (value) => {
          if (settle()) resolve(value)
        },
        (error) => {
          if (settle()) reject(error)
        },
      )
    })
  }

  /**
   * Resolves once no write given up on in the last `maxAgeMs` is still in
   * flight, or with false after `waitMs`. Older ones are not waited for: a
   * client that holds a write that long has stopped trying.
   */
  lateWritesSettled(waitMs: number, maxAgeMs: number): Promise<boolean> {
    const now = Date.now()
    for (const [pending, at] of this.late) if (now - at > maxAgeMs) this.late.delete(pending)
    if (this.late.size === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        resolve(true)
      }
      const timer = setTimeout(() => {
        this.lateSettled = this.lateSettled.filter((w) => w !== wake)
        resolve(false)
      }, waitMs)
      timer.unref()
      this.lateSettled.push(wake)
    })
  }

  private arm(): void {
    this.timer = setTimeout(() => this.advance(), Math.max(1, this.ms / STEPS))
    this.timer.unref()
  }

  private advance(): void {
    this.timer = undefined
    this.step++
    const late: Pending[] = []
    while (this.head < this.queue.length) {
      const pending = this.queue[this.head]!
      if (!pending.settled && this.step - pending.step <= STEPS) break
      if (!pending.settled) late.push(pending)
      this.head++
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0
      this.head = 0
    } else {
      if (this.head > 1024) {
        this.queue.splice(0, this.head)
        this.head = 0
      }
      this.arm()
    }
    if (late.length === 0) return
    setImmediate(() => {
      const now = Date.now()
      for (const pending of late) {
        if (pending.settled) continue
        pending.settled = true
        if (pending.write) this.late.set(pending, now)
        pending.reject(new CacheStoreError(pending.store, 'timeout', `did not answer within ${this.ms} ms`))
      }
    })
  }
}
