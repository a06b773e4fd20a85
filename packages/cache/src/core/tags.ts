import type { Entry } from '../entry'
import { isStaleTagKey, type KeySpace } from '../keys'
import type { CacheStore } from '../types'

/**
 * Tags are version counters in the store (INCR on invalidation; no host
 * clocks). An entry records, for each of its tags, the versions of three
 * counters at write time: the tag of its own namespace (`invalidateTags`),
 * that tag's soft side (`expireTags`: stale, not absent) and the prefix-wide
 * tag (`invalidateTagsEverywhere`). A read compares them with the store's.
 */
export type TagState = 'current' | 'stale' | 'invalid'

/** Every counter an entry of `space` carrying `tags` records. */
export function entryTagKeys(space: KeySpace, tags: readonly string[]): string[] {
  const keys: string[] = []
  for (const tag of tags) keys.push(space.tagKey(tag), space.staleTagKey(tag), space.prefixTagKey(tag))
  return keys
}

/** The versions of tag keys, by key. */
export async function tagVersions(
  store: CacheStore,
  tagKeys: readonly string[],
): Promise<Map<string, number>> {
  const unique = [...new Set(tagKeys)]
  const versions = unique.length > 0 ? await store.tagVersions(unique) : []
  return new Map(unique.map((key, i) => [key, versions[i] ?? 0]))
}

/** An entry's tags against current versions: a hard counter moved invalidates, a soft one makes it stale. */
export function tagState(tags: NonNullable<Entry['tags']>, versions: ReadonlyMap<string, number>): TagState {
  let state: TagState = 'current'
  for (const [key, version] of tags) {
    if ((versions.get(key) ?? 0) === version) continue
    if (!isStaleTagKey(key)) return 'invalid'
    state = 'stale'
  }
  return state
}

/** Pairs tag keys with their current versions in a store, for an envelope. */
export async function recordTags(
  store: CacheStore,
  tagKeys: readonly string[] | undefined,
): Promise<Entry['tags']> {
  if (!tagKeys || tagKeys.length === 0) return undefined
  const versions = await tagVersions(store, tagKeys)
  return tagKeys.map((key): [string, number] => [key, versions.get(key) ?? 0])
}
