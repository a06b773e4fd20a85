import type { CacheStore } from '../types'
import { OutageLog } from './outage-log'

// How long an acknowledged write is remembered in case the primary loses it
// (asynchronous replication: a failover drops what the replica had not
// received). Kept in two logs rotated on writes: between 1 and 2 times this,
// and longer when no write came since (a failover then deletes more than needed).
const RECENT_WRITES_MS = 1_000

const ignore = () => {}

/**
 * The writes a primary acknowledged lately, for a store that can lose them
 * (one with `generation()`: Redis behind Sentinel or a Cluster). When the
 * store turns out to be on another server than the one that took them (a
 * promoted replica), they are handed to the outage log: the fallback holds
 * none of them from before the outage, so replay deletes them and they read
 * as misses, never as older values. Back on the same server, they are
 * intact, and forgotten once they are older than the window.
 */
export class RecentWrites {
  private recent: OutageLog
  private older: OutageLog
  private rotatedAt = 0
  /** The store's `generation()` when these writes were made. */
  private generation: number
  private readonly store: CacheStore & { generation(): number }
  private readonly maxEntries: number

  constructor(store: CacheStore & { generation(): number }, maxEntries: number) {
    this.store = store
    this.maxEntries = maxEntries
    this.generation = store.generation()
    this.recent = new OutageLog(maxEntries, ignore)
    this.older = new OutageLog(maxEntries, ignore)
  }

  /** False once the store is on another server than the one these writes went to. */
  sameServer(): boolean {
    return this.store.generation() === this.generation
  }

  /** Notes an acknowledged write (`record` is what the outage log would note). */
  remember(record: (log: OutageLog) => void): void {
    const now = Date.now()
    const age = now - this.rotatedAt
    if (age > RECENT_WRITES_MS) {
      this.rotatedAt = now
      // Writes older than two windows are forgotten; the previous window is kept.
      this.older = age > 2 * RECENT_WRITES_MS ? new OutageLog(this.maxEntries, ignore) : this.recent
      this.recent = new OutageLog(this.maxEntries, ignore)
    }
    record(this.recent)
  }

  /**
   * Before a replay: moves them into `log` if the server changed. On the same
   * server they are kept one window more, counted from now: a Cluster client
   * can take the probe's ping on a live master before it has seen the replica
   * promoted for the dead one, and learn of the change only after recovery.
   */
  handOver(log: OutageLog): void {
    const now = this.store.generation()
    if (now !== this.generation) {
      this.generation = now
      log.absorb(this.older)
      log.absorb(this.recent)
      this.older = new OutageLog(this.maxEntries, ignore)
      this.recent = new OutageLog(this.maxEntries, ignore)
      return
    }
    this.recent.absorb(this.older)
    this.older = new OutageLog(this.maxEntries, ignore)
    this.rotatedAt = Date.now()
  }
}
