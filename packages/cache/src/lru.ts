/**
 * A size-bounded map that evicts the least recently used entry. A Map keeps
 * insertion order, so re-inserting on access keeps the oldest entry first.
 */
export class Lru<V> {
  private readonly map = new Map<string, V>()
  readonly maxEntries: number

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries
  }

  get size(): number {
    return this.map.size
  }

  get(key: string): V | undefined {
    const value = this.map.get(key)
    if (value !== undefined) {
      this.map.delete(key)
      this.map.set(key, value)
    }
    return value
  }

  /** Reads without refreshing recency. */
  peek(key: string): V | undefined {
    return this.map.get(key)
  }

  set(key: string, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
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
