import { randomUUID } from 'node:crypto'
import { CacheTimeoutError } from '../errors'
import type { KeySpace } from '../keys'
import type { StoreCircuitBreaker } from './circuit-breaker'
import type { Found } from './entry-io'

/**
 * Stampede protection inside one process: one flight per stored key, which
 * every concurrent caller of that key joins. `background` holds loads that
 * are still running after their callers were answered (soft timeout, hard
 * timeout, refresh-ahead), so no second load of that key starts meanwhile.
 */
export class LocalFlights {
  private readonly flights = new Map<string, Promise<unknown>>()
  private readonly background = new Map<string, Promise<unknown>>()

  /** The caller's flight: the running one, or `start()` registered as the new one. */
  join<T>(stored: string, start: () => Promise<T>): Promise<T> {
    let flight = this.flights.get(stored) as Promise<T> | undefined
    if (flight) return flight
    flight = start()
    this.flights.set(stored, flight)
    const done = () => {
      if (this.flights.get(stored) === flight) this.flights.delete(stored)
    }
    flight.then(done, done)
    return flight
  }

  /** A flight already running for the key, if any. */
  running(stored: string): Promise<unknown> | undefined {
    return this.flights.get(stored)
  }

  /** Whether a load of the key runs with no caller waiting for it. */
  inBackground(stored: string): boolean {
    return this.background.has(stored)
  }

  /** Tracks a load that outlives its callers until it settles. */
  runInBackground(stored: string, load: Promise<unknown>, onError: (error: unknown) => void): void {
    this.background.set(stored, load)
    load.catch(onError).finally(() => {
      if (this.background.get(stored) === load) this.background.delete(stored)
    })
  }
}

export type Release = () => Promise<void>

/** What a waiter for the distributed lock needs from the cache. */
export interface LockWait<T> {
  /** Reads the key from the store (a holder may have stored it). */
  read(): Promise<Found | undefined>
  onHit(found: Found): void
  onStale(reason: 'soft-timeout' | 'hard-timeout'): void
  stale: { value: T } | undefined
  softMs: number | undefined
  hardMs: number | undefined
}

// Waiters poll the store for the holder's value: first soon (most loaders are
// quick), then backing off to at most 10 reads a second per waiting key.
const POLL_FIRST_MS = 5
const POLL_MAX_MS = 100

/**
 * Stampede protection across instances (`lock: 'distributed'`): a lock key
 * in the store per loading key. The holder loads; others poll the store for
 * its value, serve stale past their soft timeout, and take over the lock if
 * the holder goes away without storing anything.
 */
export class DistributedLock {
  private readonly breaker: StoreCircuitBreaker
  private readonly ttlMs: number

  constructor(breaker: StoreCircuitBreaker, ttlMs: number) {
    this.breaker = breaker
    this.ttlMs = ttlMs
  }

  /** One attempt; the release function when taken. A store without locks always grants it. */
  async tryTake(space: KeySpace, stored: string): Promise<Release | undefined> {
    const lockKey = space.lockKey(stored)
    const token = randomUUID()
    const taken = await this.breaker.read(
      (s) => (s.lock ? s.lock(lockKey, token, this.ttlMs) : Promise.resolve(true)),
      true,
    )
    if (!taken) return undefined
    return () => this.breaker.read((s) => s.unlock?.(lockKey, token) ?? Promise.resolve(), undefined)
  }

  /** Takes the lock, or waits until its holder has stored a value (or a timeout serves stale). */
  async acquire<T>(
    space: KeySpace,
    stored: string,
    wait: LockWait<T>,
  ): Promise<{ release: Release } | { value: T }> {
    const started = Date.now()
    let delay = POLL_FIRST_MS
    for (;;) {
      const release = await this.tryTake(space, stored)
      if (release) {
        // The previous holder may have stored the value just before we got the lock.
        const again = await wait.read()
        if (again?.fresh) {
          await release()
          wait.onHit(again)
          return { value: again.entry.value as T }
        }
        return { release }
      }
      await new Promise((r) => setTimeout(r, delay))
      delay = Math.min(delay * 2, POLL_MAX_MS)
      const found = await wait.read()
      if (found?.fresh) {
        wait.onHit(found)
        return { value: found.entry.value as T }
      }
      const waited = Date.now() - started
      if (wait.stale && wait.softMs !== undefined && waited >= wait.softMs) {
        wait.onStale('soft-timeout')
        return { value: wait.stale.value }
      }
      if (wait.hardMs !== undefined && waited >= wait.hardMs) {
        if (wait.stale) {
          wait.onStale('hard-timeout')
          return { value: wait.stale.value }
        }
        throw new CacheTimeoutError(stored, wait.hardMs)
      }
    }
  }
}
