import { Lru } from './lru'

interface NearEntry {
  value: unknown
  /** Epoch ms after which this copy must not be served (0: never). */
  expiresAt: number
  /** Local generation of each tag when the copy was taken. */
  tags: [tagKey: string, generation: number][] | undefined
}

/**
 * The in-process near cache: deserialized values, so a hit parses nothing.
 * Coherence across instances comes from the bus; `epoch` moves on every
 * invalidation so a store read that raced one does not refill a stale copy.
 */
export class NearCache {
  private readonly lru: Lru<NearEntry>
  private readonly tagGenerations = new Map<string, number>()
  private readonly ttlMs: number | undefined
  /** Incremented by every invalidation, local or from the bus. */
  epoch = 0
  hits = 0

  constructor(maxEntries: number, ttlMs: number | undefined) {
    this.lru = new Lru(maxEntries)
    this.ttlMs = ttlMs
  }

  get size(): number {
    return this.lru.size
  }

  /** A fresh, untagged-or-still-valid copy, or undefined. */
  get(key: string, now: number): { value: unknown } | undefined {
    const entry = this.lru.get(key)
    if (entry === undefined) return undefined
    if ((entry.expiresAt !== 0 && entry.expiresAt <= now) || !this.tagsValid(entry)) {
      this.lru.delete(key)
      return undefined
    }
    this.hits++
    return entry
  }

  set(
    key: string,
    value: unknown,
    expiresAt: number,
    tagKeys: readonly string[] | undefined,
    now: number,
  ): void {
    const capped =
      this.ttlMs === undefined ? expiresAt : Math.min(expiresAt || Number.POSITIVE_INFINITY, now + this.ttlMs)
    const tags = tagKeys?.length
      ? tagKeys.map((t): [string, number] => [t, this.tagGenerations.get(t) ?? 0])
      : undefined
    this.lru.set(key, { value, expiresAt: capped, tags })
  }

  delete(keys: readonly string[]): void {
    this.epoch++
    for (const key of keys) this.lru.delete(key)
  }

  deleteMatching(pattern: RegExp): void {
    this.epoch++
    for (const [key] of [...this.lru.entries()]) if (pattern.test(key)) this.lru.delete(key)
  }

  invalidateTags(tagKeys: readonly string[]): void {
    this.epoch++
    for (const tag of tagKeys) this.tagGenerations.set(tag, (this.tagGenerations.get(tag) ?? 0) + 1)
  }

  clear(): void {
    this.epoch++
    this.lru.clear()
  }

  private tagsValid(entry: NearEntry): boolean {
    if (entry.tags === undefined) return true
    for (const [tag, generation] of entry.tags)
      if ((this.tagGenerations.get(tag) ?? 0) !== generation) return false
    return true
  }
}
