import { turnClock } from '../clock'

export interface NearEntry {
  value: unknown
  /** Epoch ms after which this copy must not be served (0: never). */
  expiresAt: number
  /** When the stored entry was written (0: unknown), and how long it was fresh for: refresh-ahead's clock. */
  writtenAt: number
  span: number
  /** Local generation of each tag when the copy was taken. */
  tags: [tagKey: string, generation: number][] | undefined
  /** Recency stamp (see `touch`). */
  stamp: number
  readonly space: string
  readonly key: string
}

/**
 * The in-process near cache: deserialized values, so a hit parses nothing.
 * Entries are kept per key space (`space` -> user key), so a hit looks up the
 * caller's own key string instead of hashing a freshly built stored key.
 * Coherence across instances comes from the bus; `epoch` moves on every
 * invalidation so a store read that raced one does not refill a stale copy.
 */
export class NearCache {
  private readonly spaces = new Map<string, Map<string, NearEntry>>()
  /** Every entry, oldest first: insertion order of a Map. */
  private readonly order = new Map<NearEntry, true>()
  private readonly tagGenerations = new Map<string, number>()
  private readonly maxEntries: number
  private readonly promoteAfter: number
  private readonly ttlMs: number | undefined
  private readonly clone: 'structured' | 'freeze' | false
  private clock = 0
  /** Incremented by every invalidation, local or from the bus. */
  epoch = 0
  /** Hits served from l1 (part of the cache's `hits`). */
  hits = 0

  constructor(maxEntries: number, ttlMs: number | undefined, clone: 'structured' | 'freeze' | false) {
    this.maxEntries = maxEntries
    this.promoteAfter = maxEntries >> 1
    this.ttlMs = ttlMs
    this.clone = clone
    this.copies = clone === 'structured'
  }

  /** Whether a hit hands out a copy (`clone: 'structured'`) rather than the cached object. */
  readonly copies: boolean

  /** What a caller receives for an entry: the value itself, or a copy under `clone: 'structured'`. */
  valueOf(entry: NearEntry): unknown {
    return this.copies ? structuredClone(entry.value) : entry.value
  }

  /**
   * The map of one key space, for a view to keep: its hits then cost one
   * lookup. Space maps live as long as the cache (emptied, never replaced).
   */
  space(space: string): Map<string, NearEntry> {
    let keys = this.spaces.get(space)
    if (!keys) {
      keys = new Map()
      this.spaces.set(space, keys)
    }
    return keys
  }

  get size(): number {
    return this.order.size
  }

  /** A fresh copy whose tags are still current, or undefined; counted as an l1 hit. */
  get(space: string, key: string): NearEntry | undefined {
    const entry = this.spaces.get(space)?.get(key)
    return entry !== undefined && this.usable(entry) ? entry : undefined
  }

  /** Whether a fresh copy is there, without counting a hit. */
  peek(space: string, key: string): boolean {
    const entry = this.spaces.get(space)?.get(key)
    if (entry === undefined || !this.usable(entry)) return false
    this.hits--
    return true
  }

  /** Whether an entry found in a space map may be served; counts the hit and keeps LRU order. */
  usable(entry: NearEntry): boolean {
    if (
      (entry.expiresAt !== 0 && entry.expiresAt <= turnClock()) ||
      (entry.tags !== undefined && !this.tagsValid(entry))
    ) {
      this.remove(entry)
      return false
    }
    // Re-inserting on every hit is what makes Map LRUs slow: only entries that
    // drifted into the older half move, so hot ones never reach eviction.
    if (this.clock - entry.stamp >= this.promoteAfter) {
      this.order.delete(entry)
      this.order.set(entry, true)
      entry.stamp = ++this.clock
    }
    this.hits++
    return true
  }

  set(
    space: string,
    key: string,
    value: unknown,
    expiresAt: number,
    tagKeys: readonly string[] | undefined,
    writtenAt = 0,
  ): void {
    const now = Date.now()
    // Under 'structured' l1 keeps its own copy: the caller that filled it holds the original.
    if (this.clone === 'freeze') deepFreeze(value)
    else if (this.clone === 'structured') value = structuredClone(value)
    const capped =
      this.ttlMs === undefined
        ? expiresAt
        : Math.min(expiresAt === 0 ? Number.POSITIVE_INFINITY : expiresAt, now + this.ttlMs)
    const tags = tagKeys?.length
      ? tagKeys.map((t): [string, number] => [t, this.tagGenerations.get(t) ?? 0])
      : undefined
    const keys = this.space(space)
    const previous = keys.get(key)
    if (previous) this.order.delete(previous)
    const span = writtenAt !== 0 && expiresAt !== 0 ? expiresAt - writtenAt : 0
    const entry: NearEntry = {
      value,
      expiresAt: capped,
      writtenAt,
      span,
      tags,
      stamp: ++this.clock,
      space,
      key,
    }
    keys.set(key, entry)
    this.order.set(entry, true)
    if (this.order.size > this.maxEntries) this.remove(this.order.keys().next().value as NearEntry)
  }

  /** Drops one key of a space. */
  deleteKey(space: string, key: string): void {
    this.epoch++
    const entry = this.spaces.get(space)?.get(key)
    if (entry) this.remove(entry)
  }

  /** Drops entries by stored key (`<space>||<key>`), as the bus names them. */
  deleteStored(storedKeys: readonly string[]): void {
    this.epoch++
    for (const stored of storedKeys) {
      const split = stored.indexOf('||')
      if (split < 0) continue
      const entry = this.spaces.get(stored.slice(0, split))?.get(stored.slice(split + 2))
      if (entry) this.remove(entry)
    }
  }

  /** Drops entries whose stored key matches. */
  deleteMatching(pattern: RegExp): void {
    this.epoch++
    for (const entry of [...this.order.keys()])
      if (pattern.test(`${entry.space}||${entry.key}`)) this.remove(entry)
  }

  invalidateTags(tagKeys: readonly string[]): void {
    this.epoch++
    for (const tag of tagKeys) this.tagGenerations.set(tag, (this.tagGenerations.get(tag) ?? 0) + 1)
  }

  clear(): void {
    this.epoch++
    for (const keys of this.spaces.values()) keys.clear()
    this.order.clear()
  }

  private remove(entry: NearEntry): void {
    this.order.delete(entry)
    const keys = this.spaces.get(entry.space)
    if (keys?.get(entry.key) === entry) keys.delete(entry.key)
  }

  private tagsValid(entry: NearEntry): boolean {
    for (const [tag, generation] of entry.tags!)
      if ((this.tagGenerations.get(tag) ?? 0) !== generation) return false
    return true
  }
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return
  Object.freeze(value)
  for (const child of Object.values(value)) deepFreeze(child)
}
