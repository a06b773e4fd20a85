import { randomUUID } from 'node:crypto'
import { PosterAbortedError, PosterError } from '../errors'
import type { RateLimitPolicy, RateLimitStore } from './store'

/** A granted slot; call `release` once the request has finished. */
export interface Lease {
  release(): void
}

/** Per-account queue in front of a {@link RateLimitStore}. */
export interface RateLimiter {
  /** Waits for a slot in FIFO order; rejects with `PosterAbortedError` if `signal` fires first. */
  acquire(signal?: AbortSignal): Promise<Lease>
  /** Grant nothing before `ms` from now (after a 429 with Retry-After), in every process sharing the store. */
  pause(ms: number): void
  /** Requests waiting for a slot. */
  readonly pending: number
}

interface Waiter {
  resolve(lease: Lease): void
  reject(error: unknown): void
  signal: AbortSignal | undefined
  onAbort: () => void
}

/**
 * Serves waiters strictly in arrival order: only the head of the queue asks the store, so a later
 * call can never overtake an earlier one inside this client.
 */
export function createRateLimiter(options: {
  key: string
  store: RateLimitStore
  policy: RateLimitPolicy
  onStoreError?: (error: unknown, operation: 'release' | 'pause') => void
}): RateLimiter {
  const { key, store, policy } = options
  const queue: Waiter[] = []
  let pausedUntil = 0
  let running = false
  let timer: NodeJS.Timeout | undefined
  let wake: (() => void) | undefined

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      wake = () => {
        if (timer) clearTimeout(timer)
        timer = undefined
        wake = undefined
        resolve()
      }
      timer = setTimeout(wake, ms)
    })
  }

  function lease(leaseId: string): Lease {
    let released = false
    return {
      release() {
        if (released) return
        released = true
        store.release(key, leaseId).then(
          () => wake?.(),
          (error) => options.onStoreError?.(error, 'release'),
        )
      },
    }
  }

  /** Takes the head off the queue and stops listening for its abort. */
  function dequeue(head: Waiter): Waiter {
    queue.shift()
    head.signal?.removeEventListener('abort', head.onAbort)
    return head
  }

  async function pump(): Promise<void> {
    if (running) return
    running = true
    try {
      while (queue.length > 0) {
        const hold = pausedUntil - Date.now()
        if (hold > 0) {
          await sleep(hold)
          continue
        }
        const head = queue[0]!
        const leaseId = randomUUID()
        let result: Awaited<ReturnType<RateLimitStore['tryAcquire']>>
        try {
          result = await store.tryAcquire(key, leaseId, policy)
        } catch (error) {
          dequeue(head).reject(
            new PosterError(
              'POSTER_LIMITER_UNAVAILABLE',
              'the rate limit store failed; check the Redis connection given to redisRateLimitStore.',
              { cause: error, account: key },
            ),
          )
          continue
        }
        if (!result.granted) {
          await sleep(result.retryInMs)
          continue
        }
        // The head may have been aborted while the store answered: hand the slot back.
        if (queue[0] !== head) {
          lease(leaseId).release()
          continue
        }
        dequeue(head).resolve(lease(leaseId))
      }
    } finally {
      running = false
    }
  }

  return {
    acquire(signal?: AbortSignal): Promise<Lease> {
      if (signal?.aborted) return Promise.reject(new PosterAbortedError({ account: key }))
      return new Promise<Lease>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          signal,
          onAbort: () => {
            const index = queue.indexOf(waiter)
            if (index >= 0) queue.splice(index, 1)
            reject(new PosterAbortedError({ account: key }))
          },
        }
        signal?.addEventListener('abort', waiter.onAbort, { once: true })
        queue.push(waiter)
        void pump()
      })
    },
    pause(ms: number): void {
      pausedUntil = Math.max(pausedUntil, Date.now() + ms)
      // Shared with every process on the same store; the local hold covers this one meanwhile.
      store.pause?.(key, ms).catch((error: unknown) => options.onStoreError?.(error, 'pause'))
    },
    get pending() {
      return queue.length
    },
  }
}
