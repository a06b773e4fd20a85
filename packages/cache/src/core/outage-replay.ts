import type { CacheStore } from '../types'
import type { EntryIO } from './entry-io'
import type { OutageLog } from './outage-log'

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
  for (const stored of log.keys) {
    const entry = fallback ? await io.readFrom(fallback, stored) : undefined
    const remaining = entry && entry.staleUntil !== 0 ? entry.staleUntil - Date.now() : undefined
    if (!entry || (remaining !== undefined && remaining <= 0)) {
      await primary.delete([stored])
      continue
    }
    await io.copy(primary, stored, entry, remaining)
  }
}
