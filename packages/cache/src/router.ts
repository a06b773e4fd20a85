import { OutageLog } from './outage-log'
import type { CacheEvent, CacheStore } from './types'

export interface RouterOptions {
  primary: CacheStore
  fallback: CacheStore | undefined
  /** Longest a single store command may take before the store counts as down. */
  commandTimeoutMs: number
  /** Longest a bulk command (pattern delete) may take once a ping has answered. */
  bulkTimeoutMs: number
  /** Delay between half-open probes while the primary is down. */
  probeIntervalMs: number
  /** Keys remembered for replay before falling back to clearing the prefix. */
  maxOutageKeys: number
  emit(event: CacheEvent): void
  /** Applies what changed during an outage onto the primary; throws if it cannot. */
  replay(log: OutageLog, primary: CacheStore, fallback: CacheStore | undefined): Promise<void>
  /** Runs when an outage begins (the cache drops what a previous outage left in the fallback). */
  onTrip(): void
  /** Runs once the primary serves again (the cache drops its l1 then). */
  onRecovered(): void
}

export type Layer = 'store' | 'fallback'

class StoreTimeoutError extends Error {
  constructor(store: string, ms: number) {
    super(`${store} store did not answer within ${ms} ms`)
  }
}

/**
 * Races a store call against a timer; the call itself is left to settle on
 * its own. When the timer fires, the verdict waits one setImmediate: the poll
 * phase runs first, so a reply that arrived while the event loop was blocked
 * (GC, CPU starvation) wins instead of passing for a dead store.
 */
function withTimeout<T>(promise: Promise<T>, ms: number, store: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => setImmediate(() => reject(new StoreTimeoutError(store, ms))), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/**
 * A circuit breaker in front of the primary store. Closed: calls go to the
 * primary with a timeout. The first timeout or error opens it: calls go to
 * the fallback at once, and writes are logged. A half-open probe pings the
 * primary on a timer; when it answers, the log is replayed and the breaker
 * closes. A primary whose client is not connected is never waited on.
 */
export class StoreRouter {
  mode: 'primary' | 'fallback' = 'primary'
  /** A read timed out and a probe is checking whether the primary is really down. */
  private suspect = false
  private log: OutageLog
  private probeTimer: NodeJS.Timeout | undefined
  private probing = false
  private closed = false
  private readonly o: RouterOptions

  constructor(options: RouterOptions) {
    this.o = options
    this.log = new OutageLog(options.maxOutageKeys)
  }

  /** Runs a read; with the primary down it runs on the fallback, or yields `none`. */
  async read<T>(
    op: (store: CacheStore) => Promise<T>,
    none: T,
  ): Promise<{ value: T; layer: Layer | undefined }> {
    if (this.mode === 'primary') {
      if (this.primaryReady()) {
        try {
          const value = await withTimeout(op(this.o.primary), this.o.commandTimeoutMs, this.o.primary.name)
          return { value, layer: 'store' }
        } catch (error) {
          // A lone read timeout may be a blip: this call misses (the fallback
          // only holds outage data) and a probe decides. Another timeout while
          // the probe runs opens the circuit.
          if (error instanceof StoreTimeoutError && !this.suspect) {
            this.suspectPrimary()
            return { value: none, layer: undefined }
          }
          this.trip(error)
        }
      } else {
        this.trip(new Error(`${this.o.primary.name} client is not connected`))
      }
    }
    return this.onFallback(op, none)
  }

  /**
   * Runs a write. `record` notes it in the outage log when the primary may
   * have missed it (down, or a timeout after which it may still land).
   */
  async write<T>(
    op: (store: CacheStore) => Promise<T>,
    record: (log: OutageLog) => void,
    none: T,
    bulk = false,
  ): Promise<T> {
    if (this.mode === 'primary') {
      if (this.primaryReady()) {
        try {
          if (bulk && this.o.primary.ping) {
            await withTimeout(this.o.primary.ping(), this.o.commandTimeoutMs, this.o.primary.name)
          }
          const timeout = bulk ? this.o.bulkTimeoutMs : this.o.commandTimeoutMs
          return await withTimeout(op(this.o.primary), timeout, this.o.primary.name)
        } catch (error) {
          this.trip(error)
        }
      } else {
        this.trip(new Error(`${this.o.primary.name} client is not connected`))
      }
    }
    record(this.log)
    return (await this.onFallback(op, none)).value
  }

  close(): void {
    this.closed = true
    if (this.probeTimer) clearTimeout(this.probeTimer)
  }

  private primaryReady(): boolean {
    return this.o.primary.isReady?.() ?? true
  }

  private async onFallback<T>(
    op: (store: CacheStore) => Promise<T>,
    none: T,
  ): Promise<{ value: T; layer: Layer | undefined }> {
    const fallback = this.o.fallback
    if (!fallback) return { value: none, layer: undefined }
    try {
      return { value: await op(fallback), layer: 'fallback' }
    } catch (error) {
      this.o.emit({ type: 'error', error })
      return { value: none, layer: undefined }
    }
  }

  private suspectPrimary(): void {
    this.suspect = true
    const { primary } = this.o
    withTimeout(
      primary.ping ? primary.ping() : Promise.resolve(),
      this.o.commandTimeoutMs,
      primary.name,
    ).then(
      () => {
        this.suspect = false
      },
      (error) => {
        this.suspect = false
        this.trip(error)
      },
    )
  }

  private trip(error: unknown): void {
    if (this.mode === 'primary') {
      this.mode = 'fallback'
      this.o.onTrip()
      this.o.emit({ type: 'fallback', error })
      // First probe at once: a spurious trip heals within a round trip.
      this.scheduleProbe(0)
    } else {
      this.scheduleProbe()
    }
  }

  private scheduleProbe(delayMs = this.o.probeIntervalMs): void {
    if (this.probeTimer || this.closed) return
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined
      void this.probe()
    }, delayMs)
    this.probeTimer.unref()
  }

  private async probe(): Promise<void> {
    if (this.probing || this.closed || this.mode === 'primary') return
    this.probing = true
    try {
      const { primary, fallback } = this.o
      if (!this.primaryReady()) throw new Error('not connected')
      if (primary.ping) await withTimeout(primary.ping(), this.o.commandTimeoutMs, primary.name)
      // Writes that arrive during a replay land in a fresh log; replay again
      // until a pass ends with nothing new, then serve from the primary.
      for (let pass = 0; !this.log.empty; pass++) {
        if (pass > 20) throw new Error('outage log keeps growing during replay')
        const log = this.log
        this.log = new OutageLog(this.o.maxOutageKeys)
        try {
          await this.o.replay(log, primary, fallback)
        } catch (error) {
          log.absorb(this.log)
          this.log = log
          throw error
        }
      }
      this.mode = 'primary'
      this.o.onRecovered()
      this.o.emit({ type: 'recover' })
    } catch {
      this.scheduleProbe()
    } finally {
      this.probing = false
    }
  }
}
