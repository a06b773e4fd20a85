import type { Cluster, Redis } from 'ioredis'
import { RateStoreError } from '../errors'

const STORE = 'redis'
// Worth waiting for (up to the timeout): a first connection, or a reconnect attempt under way.
const CONNECTING = new Set(['wait', 'connecting', 'connect'])

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
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        reject(
          new RateStoreError(
            'RATE_TIERS_STORE_TIMEOUT',
            STORE,
            `no answer within ${timeoutMs} ms; Redis may be overloaded or frozen (raise \`timeout\` if it is merely slow).`,
          ),
        )
      }, timeoutMs)
      // Past the timeout the caller has its answer; sending the work late would only charge Redis.
      const send = (): Promise<T | undefined> => (timedOut ? Promise.resolve(undefined) : work())
      const sent = status === 'ready' ? send() : whenReady().then(send)
      sent.then(
        (value) => {
          clearTimeout(timer)
          resolve(value as T)
        },
        (error: unknown) => {
          clearTimeout(timer)
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
