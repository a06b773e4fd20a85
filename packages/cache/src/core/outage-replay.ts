import type { CacheStore } from '../types'
import type { EntryIO } from './entry-io'
import type { OutageLog } from './outage-log'

// Keys replayed at once: one round trip per batch instead of one per key, so a
// replay keeps ahead of the writes that arrive meanwhile (each pass replays
// what came during the previous one).
const REPLAY_BATCH = 256

/**
 * Applies what changed during an outage to the primary before it serves
 * again: deleted patterns, bumped tags, soft expiries, and for every key
 * written or deleted the fallback's copy (or a delete when it has none). An
 * overflowed log cannot say what changed: the whole prefix is deleted.
 */
export async function replayOutage(
  log: OutageLog,
  primary: CacheStore,
  fallback: CacheStore | undefined,
  io: EntryIO,
  rootPattern: string,
): Promise<void> {
  if (log.overflow) await primary.deletePattern(rootPattern)
  for (const pattern of log.patterns) await primary.deletePattern(pattern)
  if (log.tags.size > 0) await primary.bumpTags([...log.tags])
  if (log.expired.size > 0) await io.expireIn(primary, [...log.expired])
  const keys = [...log.keys]
  for (let i = 0; i < keys.length; i += REPLAY_BATCH) {
    const gone: string[] = []
    const copies = await Promise.allSettled(
      keys.slice(i, i + REPLAY_BATCH).map(async (stored) => {
        const entry = fallback ? await io.readFrom(fallback, stored) : undefined
        const remaining = entry && entry.staleUntil !== 0 ? entry.staleUntil - Date.now() : undefined
        if (!entry || (remaining !== undefined && remaining <= 0)) gone.push(stored)
        else await io.copy(primary, stored, entry, remaining)
      }),
    )
    // Every copy settled before this pass fails: one still in flight (a Cluster client retries
    // through a failover) would land after the next pass and put back this pass's older value.
    const failed = copies.find((c) => c.status === 'rejected')
    if (failed) throw failed.reason
    if (gone.length > 0) await primary.delete(gone)
  }
}
