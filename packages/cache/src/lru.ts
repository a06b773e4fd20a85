/** What the LRU keeps per entry: the stamp of its last promotion. */
export interface Stamped {
  stamp: number
}

/**
 * A size-bounded map that evicts the least recently used entry. A Map keeps
 * insertion order, so re-inserting an entry makes it the newest. Re-inserting
 * on every hit is what makes naive Map LRUs slow; here a hit only re-inserts
 * an entry that has drifted into the older half, so hot entries cost one
 * lookup and still never reach the eviction end.
 */
export class Lru<V extends Stamped> {
  private readonly map = new Map<string, V>()
  private clock = 0
  private readonly promoteAfter: number
  readonly maxEntries: number

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries
    this.promoteAfter = maxEntries >> 1
  }

  get size(): number {
    return this.map.size
  }

  get(key: string): V | undefined {
    const entry = this.map.get(key)
    if (entry !== undefined && this.clock - entry.stamp >= this.promoteAfter) {
      this.map.delete(key)
      this.map.set(key, entry)
      entry.stamp = ++this.clock
    }
    return entry
  }

  set(key: string, entry: V): void {
    this.map.delete(key)
    entry.stamp = ++this.clock
    this.map.set(key, entry)
    if (this.map.size > this.maxEntries) {
      this.map.delete(this.map.keys().next().value as string)
    }
  }

  delete(key: string): boolean {
    return this.map.delete(key)
  }

  clear(): void {
    this.map.clear()
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries()
  }
}
