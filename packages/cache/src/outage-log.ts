/**
 * What changed while the primary store was unreachable. Replayed onto the
 * primary before it serves again, so nothing written or deleted during an
 * outage is read back stale from it afterwards.
 */
export class OutageLog {
  readonly keys = new Set<string>()
  readonly tags = new Set<string>()
  readonly patterns = new Set<string>()
  /** Too many keys to list: recovery must clear the whole prefix instead. */
  overflow = false
  private readonly maxKeys: number

  constructor(maxKeys: number) {
    this.maxKeys = maxKeys
  }

  get empty(): boolean {
    return !this.overflow && this.keys.size === 0 && this.tags.size === 0 && this.patterns.size === 0
  }

  addKeys(keys: readonly string[]): void {
    if (this.overflow) return
    for (const key of keys) this.keys.add(key)
    if (this.keys.size > this.maxKeys) {
      this.overflow = true
      this.keys.clear()
    }
  }

  addTags(tags: readonly string[]): void {
    for (const tag of tags) this.tags.add(tag)
  }

  addPattern(pattern: string): void {
    this.patterns.add(pattern)
  }

  /** Moves another log's entries into this one (a replay that failed). */
  absorb(other: OutageLog): void {
    if (other.overflow) {
      this.overflow = true
      this.keys.clear()
    } else {
      this.addKeys([...other.keys])
    }
    this.addTags([...other.tags])
    for (const pattern of other.patterns) this.addPattern(pattern)
  }
}
