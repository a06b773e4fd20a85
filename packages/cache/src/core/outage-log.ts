/**
 * What changed while the primary store was unreachable. Replayed onto the
 * primary before it serves again (see outage-replay.ts), so nothing written,
 * expired or deleted during an outage is read back stale from it afterwards.
 *
 * Bounded: past `maxEntries` keys, tags and patterns it overflows, forgets
 * them all, and recovery deletes the whole prefix from the primary instead.
 */
export class OutageLog {
  /** Written or deleted: the fallback's copy (or its absence) is the truth. */
  readonly keys = new Set<string>()
  /** Soft-expired (and not written since): replayed as `expire` on the primary. */
  readonly expired = new Set<string>()
  /** Tag keys bumped (hard and soft). */
  readonly tags = new Set<string>()
  /** Globs deleted. */
  readonly patterns = new Set<string>()
  /** Too much to list: recovery must clear the whole prefix instead. */
  overflow = false
  private readonly maxEntries: number
  private readonly onOverflow: () => void

  constructor(maxEntries: number, onOverflow: () => void) {
    this.maxEntries = maxEntries
    this.onOverflow = onOverflow
  }

  get empty(): boolean {
    return this.size === 0 && !this.overflow
  }

  private get size(): number {
    return this.keys.size + this.expired.size + this.tags.size + this.patterns.size
  }

  addKeys(keys: readonly string[]): void {
    if (this.overflow) return
    for (const key of keys) {
      this.keys.add(key)
      this.expired.delete(key)
    }
    this.check()
  }

  addExpired(keys: readonly string[]): void {
    if (this.overflow) return
    for (const key of keys) if (!this.keys.has(key)) this.expired.add(key)
    this.check()
  }

  addTags(tags: readonly string[]): void {
    if (this.overflow) return
    for (const tag of tags) this.tags.add(tag)
    this.check()
  }

  addPattern(pattern: string): void {
    if (this.overflow) return
    this.patterns.add(pattern)
    this.check()
  }

  /** Moves another log's entries into this one (a replay that failed). */
  absorb(other: OutageLog): void {
    if (other.overflow) this.markOverflow()
    if (this.overflow) return
    this.addKeys([...other.keys])
    this.addExpired([...other.expired])
    this.addTags([...other.tags])
    for (const pattern of other.patterns) this.addPattern(pattern)
  }

  private check(): void {
    if (this.size > this.maxEntries) this.markOverflow()
  }

  private markOverflow(): void {
    if (this.overflow) return
    this.overflow = true
    this.keys.clear()
    this.expired.clear()
    this.tags.clear()
    this.patterns.clear()
    this.onOverflow()
  }
}
