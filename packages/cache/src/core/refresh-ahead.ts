import { LRUCache } from 'lru-cache'
import { loaderFailure } from '../errors'
import type { KeySpace } from '../keys'
import type { LoaderContext } from '../options'
import type { Schema } from '../types'
import type { CacheCore, CallPlan } from './core'
import { runLoader } from './get-or-set'
import { awaitLoad, startLoad } from './loader'

// Keys another instance holds the refresh lock of, until the entry seen
// expires. Bounded: forgetting one only costs one more lock attempt.
const MAX_REFRESHING_ELSEWHERE = 10_000

type Loader<T> = (context: LoaderContext<T>) => T | Promise<T>

/**
 * Refresh-ahead: a `getOrSet` hit past `refreshAhead` of its entry's TTL
 * returns at once and starts one background reload of that key (one per
 * process; with the distributed lock, one per cluster). The reloader first
 * re-reads the store, in case another instance already refreshed it.
 */
export class RefreshAhead {
  private readonly core: CacheCore
  private readonly elsewhere = new LRUCache<string, number>({ max: MAX_REFRESHING_ELSEWHERE })

  constructor(core: CacheCore) {
    this.core = core
  }

  /** Called on every fresh `getOrSet` hit: cheap unless the entry is due. */
  consider<T>(
    space: KeySpace,
    key: string,
    writtenAt: number,
    expiresAt: number,
    loader: Loader<T>,
    plan: CallPlan,
    schema: Schema<unknown> | undefined,
  ): void {
    const fraction = plan.refreshAhead
    if (fraction === 0 || writtenAt === 0 || expiresAt === 0) return
    if (Date.now() < writtenAt + (expiresAt - writtenAt) * fraction) return
    const core = this.core
    const stored = space.key(key)
    // A foreground flight of this key is only ever a read that hit (this one, perhaps): not a load.
    if (core.flights.inBackground(stored) || core.failSafe.backingOff(stored)) return
    if (this.elsewhere.get(stored) === expiresAt) return
    core.flights.runInBackground(
      stored,
      this.reload(space, key, stored, expiresAt, loader, plan, schema),
      (error) => core.emit({ type: 'error', key: stored, error: loaderFailure(stored, error) }),
    )
  }

  private async reload<T>(
    space: KeySpace,
    key: string,
    stored: string,
    seenExpiresAt: number,
    loader: Loader<T>,
    plan: CallPlan,
    schema: Schema<unknown> | undefined,
  ): Promise<void> {
    const core = this.core
    let release = async () => {}
    if (core.lock) {
      const taken = await core.lock.tryTake(space, stored)
      if (!taken) {
        this.elsewhere.set(stored, seenExpiresAt, { ttl: Math.max(1, seenExpiresAt - Date.now()) })
        return
      }
      release = taken
    }
    const epoch = core.l1?.epoch
    let current: Awaited<ReturnType<typeof core.io.read>>
    try {
      current = await core.io.read(stored, schema)
    } catch (error) {
      await release()
      throw error
    }
    if (current?.fresh && current.entry.expiresAt !== seenExpiresAt) {
      // Another instance refreshed it already.
      await release()
      if (core.l1 && epoch === core.l1.epoch) {
        const { value, expiresAt, writtenAt, tags } = current.entry
        core.l1.set(
          space.base,
          key,
          value,
          expiresAt,
          tags?.map((t) => t[0]),
          writtenAt,
        )
      }
      return
    }
    core.counts.refreshes++
    core.counts.loads++
    core.emit({ type: 'refresh', key: stored })
    core.emit({ type: 'load', key: stored })
    let snapshot: Awaited<ReturnType<typeof core.io.snapshotTags>>
    const run = startLoad(
      plan.settings,
      current?.entry.value as T | undefined,
      async (context) => {
        snapshot = await core.io.snapshotTags(space, plan.write.tags)
        return runLoader(space, key, loader, context as LoaderContext<T>)
      },
      (value, context) =>
        core.io.write(space, key, value, core.planAfterLoad(context, plan), { snapshot, l1Epoch: epoch }),
      release,
    )
    await awaitLoad(stored, run, { softMs: undefined, hardMs: plan.hardMs }, undefined, {
      servedStale: () => {},
      continueInBackground: () => {},
      failed: () => {},
      succeeded: () => core.failSafe.loadSucceeded(stored),
    }).catch((error) => {
      // The current value stays in use; the next attempt waits for the backoff.
      core.failSafe.loadFailed(stored)
      throw error
    })
  }
}
