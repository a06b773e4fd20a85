import { asStoreError, CacheError, CacheStoreError } from '../errors'
import type { CacheEvent, CacheStore } from '../types'
import { Deadlines } from './deadlines'
import { OutageLog } from './outage-log'
import { RecentWrites } from './recent-writes'

export interface CircuitBreakerOptions {
  primary: CacheStore
  fallback: CacheStore | undefined
  /** Longest a single store command may take before the store counts as down. */
  commandTimeoutMs: number
  /** Longest a bulk command (pattern delete, a page of keys) may take once a ping has answered. */
  bulkTimeoutMs: number
  /** Delay between half-open probes while the primary is down. */
  probeIntervalMs: number
  /** Keys, tags and patterns remembered for replay before recovery clears the prefix instead. */
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

// Writes that land during a replay pass are replayed by the next pass; a log
// that still is not empty after this many passes means writes outpace replay.
const MAX_REPLAY_PASSES = 20
// Passes after which new writes are held (each for at most the command
// timeout) until the replay ends: under a steady stream of writes a pass
// that takes a few ms never ends with an empty log.
const HOLD_WRITES_AFTER_PASSES = 2
// Longest a write given up on keeps recovery waiting for the client to settle it.
const LATE_WRITE_MAX_WAIT_MS = 30_000

const isTimeout = (error: unknown) => error instanceof CacheStoreError && error.reason === 'timeout'

/**
 * A circuit breaker in front of the primary store. Closed: calls go to the
 * primary with a timeout. The first timeout or error opens it: calls go to
 * the fallback at once, and writes are logged. A half-open probe pings the
 * primary on a timer; when it answers, the log is replayed and the breaker
 * closes. A primary whose client is not connected is never waited on.
 * Every store command of the cache passes through here.
 */
export class StoreCircuitBreaker {
  mode: 'primary' | 'fallback' = 'primary'
  /** A read timed out and a probe is checking whether the primary is really down. */
  private suspect = false
  private log: OutageLog
  private probeTimer: NodeJS.Timeout | undefined
  private probing = false
  /** Set while the last replay passes run: writes wait for it (bounded) rather than grow the log. */
  private hold: Promise<void> | undefined
  private closed = false
  private readonly o: CircuitBreakerOptions
  private readonly commands: Deadlines
  private readonly bulk: Deadlines
  /** Writes acknowledged lately, replayed if the primary turns out to have lost them. */
  private readonly recent: RecentWrites | undefined

  constructor(options: CircuitBreakerOptions) {
    this.o = options
    this.commands = new Deadlines(options.commandTimeoutMs)
    this.bulk = new Deadlines(options.bulkTimeoutMs)
    this.log = this.newLog()
    const { primary } = options
    if (primary.generation) {
      this.recent = new RecentWrites(primary as CacheStore & { generation(): number }, options.maxOutageKeys)
    }
  }

  /** Which layer a store is: the primary, or the fallback. */
  layerOf(store: CacheStore): Layer {
    return store === this.o.primary ? 'store' : 'fallback'
  }

  /**
   * Runs a read; with the primary down it runs on the fallback, or yields
   * `none`. `op` gets the store it runs on (see `layerOf`).
   */
  read<T>(op: (store: CacheStore) => Promise<T>, none: T): Promise<T> {
    if (this.mode === 'primary') {
      const { primary } = this.o
      if (this.primaryReady()) {
        return this.commands.race(op, primary).then(
          (value) => {
            // Sent before a failover, answered after it by the new server (ioredis
            // resends unanswered commands on reconnect): it may lack the last writes.
            if (!this.recent || this.recent.sameServer()) return value
            this.trip(this.disconnected())
            return this.onFallback(op, none)
          },
          (error) => {
            // A lone read timeout may be a blip: this call misses (the fallback
            // only holds outage data) and a probe decides. Another timeout while
            // the probe runs opens the circuit.
            if (isTimeout(error) && !this.suspect) {
              this.suspectPrimary()
              return none
            }
            this.trip(error)
            return this.onFallback(op, none)
          },
        )
      }
      this.trip(this.disconnected())
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
    if (this.hold) await this.waitForReplay()
    if (this.mode === 'primary') {
      const { primary } = this.o
      if (this.primaryReady()) {
        try {
          let result: T
          if (bulk) {
            await this.pingPrimary()
            result = await this.bulk.race(op, primary, true)
          } else {
            result = await this.commands.race(op, primary, true)
          }
          this.recent?.remember(record)
          return result
        } catch (error) {
          this.trip(error)
        }
      } else {
        this.trip(this.disconnected())
      }
    }
    record(this.log)
    return this.onFallback(op, none)
  }

  /**
   * Lists keys from the primary, or from the fallback while it serves. A
   * primary that fails mid-listing opens the circuit and ends the listing
   * (an `error` event says so) rather than hanging or throwing.
   */
  async *scan(pattern: string): AsyncGenerator<string> {
    const { primary, fallback } = this.o
    let store: CacheStore | undefined = fallback
    if (this.mode === 'primary' && this.primaryReady()) {
      try {
        await this.pingPrimary()
        store = primary
      } catch (error) {
        this.trip(error)
      }
    }
    if (!store) return
    if (!store.scan) {
      throw new CacheError(
        'CACHE_INVALID_ARGUMENT',
        `the ${store.name} store cannot list keys (it has no scan method); use a store that does, such as memoryStore, redisStore or postgresStore.`,
      )
    }
    const pages = store.scan(pattern)[Symbol.asyncIterator]()
    for (;;) {
      let next: IteratorResult<string>
      try {
        next = await this.bulk.race(() => pages.next(), store)
      } catch (error) {
        const wrapped = asStoreError(store.name, error)
        if (store === primary) this.trip(wrapped)
        this.o.emit({ type: 'error', error: wrapped })
        await pages.return?.().catch(() => {})
        return
      }
      if (next.done) return
      yield next.value
    }
  }

  close(): void {
    this.closed = true
    if (this.probeTimer) clearTimeout(this.probeTimer)
  }

  private newLog(): OutageLog {
    return new OutageLog(this.o.maxOutageKeys, () =>
      this.o.emit({
        type: 'outage-overflow',
        error: new CacheError(
          'CACHE_OUTAGE_LOG_OVERFLOW',
          `more than ${this.o.maxOutageKeys} keys, tags and patterns changed during this outage; on recovery every key of this prefix is deleted from the primary store instead of replaying them (raise maxOutageKeys to replay longer outages).`,
        ),
      }),
    )
  }

  private primaryReady(): boolean {
    if (!(this.o.primary.isReady?.() ?? true)) return false
    // Connected to another server since the last call (a failover): it may
    // lack the last writes the old one acknowledged. Handled as an outage that
    // already ended: the probe replays them (see probe).
    if (this.mode === 'primary' && this.recent) return this.recent.sameServer()
    return true
  }

  private disconnected(): CacheStoreError {
    return new CacheStoreError(this.o.primary.name, 'disconnected', 'client is not connected')
  }

  private pingPrimary(): Promise<void> {
    const { primary } = this.o
    return primary.ping ? this.commands.race((s) => s.ping!(), primary) : Promise.resolve()
  }

  private async onFallback<T>(op: (store: CacheStore) => Promise<T>, none: T): Promise<T> {
    const fallback = this.o.fallback
    if (!fallback) return none
    try {
      return await op(fallback)
    } catch (error) {
      this.o.emit({ type: 'error', error: asStoreError(fallback.name, error) })
      return none
    }
  }

  private suspectPrimary(): void {
    this.suspect = true
    this.pingPrimary().then(
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
      this.o.emit({ type: 'fallback', error: asStoreError(this.o.primary.name, error) })
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
    let release: (() => void) | undefined
    try {
      const { primary, fallback } = this.o
      if (!this.primaryReady()) throw this.disconnected()
      await this.pingPrimary()
      // A write given up on may still be delivered (a Cluster retries it through a failover):
      // replayed first, it would land on top of the replayed value and bring an older one back.
      await this.lateWritesSettled()
      // Another server than the one that took the last writes: replay them too.
      this.recent?.handOver(this.log)
      // Writes that arrive during a replay land in a fresh log; replay again
      // until a pass ends with nothing new, then serve from the primary.
      for (let pass = 0; !this.log.empty; pass++) {
        if (pass >= MAX_REPLAY_PASSES) throw new Error('outage log keeps growing during replay')
        if (pass === HOLD_WRITES_AFTER_PASSES) {
          this.hold = new Promise((resolve) => {
            release = resolve
          })
        }
        const log = this.log
        this.log = this.newLog()
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
      // Still down (or replay failed): the next probe tries again; events were sent on the way down.
      this.scheduleProbe()
    } finally {
      this.probing = false
      // Held writes go on: to the primary if it serves now, else logged as before.
      this.hold = undefined
      release?.()
    }
  }

  private async lateWritesSettled(): Promise<void> {
    const wait = this.o.probeIntervalMs
    const settled = await Promise.all([
      this.commands.lateWritesSettled(wait, LATE_WRITE_MAX_WAIT_MS),
      this.bulk.lateWritesSettled(wait, LATE_WRITE_MAX_WAIT_MS),
    ])
    if (!settled.every(Boolean)) throw new Error('writes given up on are still in flight')
  }

  private waitForReplay(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.o.commandTimeoutMs)
      timer.unref()
      this.hold!.then(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
}
