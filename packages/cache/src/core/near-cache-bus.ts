import { globToRegExp, type KeySpace } from '../keys'
import type { BusMessage, CacheBus, CacheEvent } from '../types'
import type { NearCache } from './near-cache'

/**
 * Keeps l1 coherent: once a change is in the store, it drops the local copies
 * and tells the other instances over the bus, whose messages drop theirs
 * (told before the store had it, a peer could read the old value back into
 * its l1 and keep it). The bus publishes even when this instance has no l1:
 * its peers may have one.
 */
export class NearCacheSync {
  readonly l1: NearCache | undefined
  private readonly bus: CacheBus | undefined

  constructor(l1: NearCache | undefined, bus: CacheBus | undefined, emit: (event: CacheEvent) => void) {
    this.l1 = l1
    this.bus = bus
    bus
      ?.subscribe(
        (message) => this.apply(message),
        // Messages may have been missed while disconnected: no copy can be trusted.
        () => l1?.clear(),
      )
      .catch((error) => emit({ type: 'error', error }))
  }

  /** Keys of one space changed (set, delete, expire). */
  keysChanged(space: KeySpace, keys: readonly string[], stored: string[]): void {
    if (this.l1) for (const key of keys) this.l1.deleteKey(space.base, key)
    this.bus?.publish({ type: 'keys', keys: stored })
  }

  /** Keys whose values this instance just wrote itself: peers drop theirs, l1 keeps the new copy. */
  keysWritten(stored: string[]): void {
    this.bus?.publish({ type: 'keys', keys: stored })
  }

  patternDeleted(storedPattern: string): void {
    this.l1?.deleteMatching(globToRegExp(storedPattern))
    this.bus?.publish({ type: 'pattern', pattern: storedPattern })
  }

  tagsBumped(tagKeys: string[]): void {
    this.l1?.invalidateTags(tagKeys)
    this.bus?.publish({ type: 'tags', tags: tagKeys })
  }

  close(): Promise<void> | undefined {
    return this.bus?.close()
  }

  private apply(message: BusMessage): void {
    if (!this.l1) return
    if (message.type === 'keys') this.l1.deleteStored(message.keys)
    else if (message.type === 'tags') this.l1.invalidateTags(message.tags)
    else this.l1.deleteMatching(globToRegExp(message.pattern))
  }
}
