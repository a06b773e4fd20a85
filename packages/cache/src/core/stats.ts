export interface CacheStats {
  hits: number
  misses: number
  /** hits / (hits + misses), 0 before any read. */
  hitRate: number
  sets: number
  deletes: number
  errors: number
  /** Loader runs (refresh-ahead reloads included). */
  loads: number
  /** Background reloads started by refresh-ahead. */
  refreshes: number
  /** Stale values served in place of a failing, slow or backed-off loader. */
  staleServed: number
  /** Writes fewer replicas acknowledged than the store's `durability` asks (`unreplicated` events). */
  unreplicated: number
  /** `fallback` while the primary store is unreachable. */
  mode: 'primary' | 'fallback'
  /** Hits answered by l1, and its size. */
  l1: { hits: number; size: number } | undefined
}

/** The counters behind `stats()`, shared by a cache and its namespaces. */
export class Counters {
  /** Hits from a store; l1 counts its own, added in `snapshot`. */
  hits = 0
  misses = 0
  sets = 0
  deletes = 0
  errors = 0
  loads = 0
  refreshes = 0
  staleServed = 0
  unreplicated = 0

  snapshot(mode: CacheStats['mode'], l1: { hits: number; size: number } | undefined): CacheStats {
    const hits = this.hits + (l1?.hits ?? 0)
    const reads = hits + this.misses
    return {
      hits,
      misses: this.misses,
      hitRate: reads === 0 ? 0 : hits / reads,
      sets: this.sets,
      deletes: this.deletes,
      errors: this.errors,
      loads: this.loads,
      refreshes: this.refreshes,
      staleServed: this.staleServed,
      unreplicated: this.unreplicated,
      mode,
      l1,
    }
  }
}
