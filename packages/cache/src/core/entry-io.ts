import { decodeEntry, type Entry, encodeEntry, entryTimes, serializeValue, withTimes } from '../entry'
import { CacheError } from '../errors'
import type { KeySpace } from '../keys'
import { checkSchema, schemaFailure } from '../options'
import type { CacheEvent, CacheStore, Schema, Serializer, StoreEntry } from '../types'
import type { Layer, StoreCircuitBreaker } from './circuit-breaker'
import type { NearCacheSync } from './near-cache-bus'
import type { Counters } from './stats'
import { entryTagKeys, recordTags, tagState, tagVersions } from './tags'

/** An entry as read: `fresh` is false past its expiry or after `expireTags` (a stale stand-in). */
export interface Found {
  entry: Entry
  layer: Layer
  fresh: boolean
}

/** How one value is written. */
export interface WritePlan {
  ttlMs: number
  graceMs: number
  tags: string[] | undefined
  /** Record the write time in the entry (refresh-ahead reads it). */
  stampWrite: boolean
}

/** Tag versions read before a loader ran, and from which store (only valid for writes to that store). */
export interface TagSnapshot {
  store: CacheStore
  versions: ReadonlyMap<string, number>
}

export interface WriteItem {
  key: string
  value: unknown
  plan: WritePlan
}

/**
 * Reads and writes envelopes through the circuit breaker: decoding, tag
 * checks, schemas, and keeping l1 and the bus in step with every write.
 */
export class EntryIO {
  private readonly breaker: StoreCircuitBreaker
  private readonly serializer: Serializer
  private readonly sync: NearCacheSync
  private readonly counts: Counters
  private readonly emit: (event: CacheEvent) => void
  private readonly defaultGraceMs: number

  constructor(deps: {
    breaker: StoreCircuitBreaker
    serializer: Serializer
    sync: NearCacheSync
    counts: Counters
    emit: (event: CacheEvent) => void
    defaultGraceMs: number
  }) {
    this.breaker = deps.breaker
    this.serializer = deps.serializer
    this.sync = deps.sync
    this.counts = deps.counts
    this.emit = deps.emit
    this.defaultGraceMs = deps.defaultGraceMs
  }

  /** One entry; corrupt, tag-invalidated or schema-failing entries are absent. */
  read(stored: string, schema: Schema<unknown> | undefined): Promise<Found | undefined> {
    return this.breaker.read((store) => this.readIn(store, stored, schema), undefined)
  }

  private async readIn(
    store: CacheStore,
    stored: string,
    schema: Schema<unknown> | undefined,
  ): Promise<Found | undefined> {
    const raw = await store.get(stored)
    if (raw === undefined) return undefined
    const entry = this.decode(stored, raw)
    if (entry === undefined) return undefined
    let tagsStale = false
    if (entry.tags) {
      const state = tagState(
        entry.tags,
        await tagVersions(
          store,
          entry.tags.map((t) => t[0]),
        ),
      )
      if (state === 'invalid') return undefined
      tagsStale = state === 'stale'
    }
    return this.found(stored, entry, tagsStale, this.breaker.layerOf(store), schema)
  }

  /** Many entries in one store round trip (two when some carry tags), in order. */
  async readMany(stored: string[], schema: Schema<unknown> | undefined): Promise<(Found | undefined)[]> {
    const found = await this.breaker.read(async (store) => {
      const raws = await getMany(store, stored)
      const entries: (Entry | undefined)[] = new Array(raws.length)
      const tagKeys: string[] = []
      for (let i = 0; i < raws.length; i++) {
        const raw = raws[i]
        const entry = raw === undefined ? undefined : this.decode(stored[i]!, raw)
        entries[i] = entry
        if (entry?.tags) for (const tag of entry.tags) tagKeys.push(tag[0])
      }
      const versions = tagKeys.length > 0 ? await tagVersions(store, tagKeys) : undefined
      const layer = this.breaker.layerOf(store)
      const now = Date.now()
      const out: (Found | undefined)[] = new Array(entries.length)
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]
        const state = entry?.tags && versions ? tagState(entry.tags, versions) : 'current'
        out[i] =
          entry && state !== 'invalid'
            ? this.found(stored[i]!, entry, state === 'stale', layer, schema, now)
            : undefined
      }
      return out
    }, undefined)
    return found ?? stored.map(() => undefined)
  }

  /** Writes a value through the breaker, updates l1, then tells other instances. */
  async write(
    space: KeySpace,
    key: string,
    value: unknown,
    plan: WritePlan,
    from?: { snapshot?: TagSnapshot | undefined; l1Epoch?: number | undefined },
  ): Promise<void> {
    await this.writeMany(space, [{ key, value, plan }], from)
  }

  /** Writes several values in one store round trip (plus one for tag versions). */
  async writeMany(
    space: KeySpace,
    items: readonly WriteItem[],
    from: { snapshot?: TagSnapshot | undefined; l1Epoch?: number | undefined } = {},
  ): Promise<void> {
    if (items.length === 0) return
    const now = Date.now()
    const l1 = this.sync.l1
    // A value loaded while an invalidation arrived may be older than it: keep it out of l1.
    const l1Current = l1 !== undefined && (from.l1Epoch === undefined || from.l1Epoch === l1.epoch)
    const prepared = items.map(({ key, value, plan }) => {
      const payload = serializeValue(this.serializer, key, value)
      const forever = !Number.isFinite(plan.ttlMs)
      const expiresAt = forever ? 0 : now + plan.ttlMs
      const writtenAt = plan.stampWrite && !forever ? now : 0
      const tagKeys = plan.tags ? entryTagKeys(space, plan.tags) : undefined
      if (l1) {
        l1.deleteKey(space.base, key)
        // A copy, not the caller's object: later mutations must not reach l1.
        if (l1Current)
          l1.set(space.base, key, this.serializer.deserialize(payload), expiresAt, tagKeys, writtenAt)
      }
      return {
        stored: space.key(key),
        payload,
        expiresAt,
        // From the same instant as expiresAt: counted inside the write, a write that
        // waited (tag read, busy machine) would get its wait as extra grace.
        staleUntil: forever ? 0 : expiresAt + plan.graceMs,
        physicalMs: forever ? undefined : plan.ttlMs + plan.graceMs,
        writtenAt,
        tagKeys,
      }
    })
    const stored = prepared.map((p) => p.stored)
    await this.breaker.write(
      async (store) => {
        const known = from.snapshot?.store === store ? from.snapshot.versions : undefined
        const allTags = prepared.flatMap((p) => p.tagKeys ?? [])
        const versions = allTags.length > 0 ? await this.versionsFor(store, allTags, known) : undefined
        const entries: StoreEntry[] = []
        for (const p of prepared) {
          const tags = p.tagKeys?.map((k): [string, number] => [k, versions?.get(k) ?? 0])
          const value = encodeEntry(p.payload, p.expiresAt, p.staleUntil, tags, p.writtenAt)
          entries.push({ key: p.stored, value, ttlMs: p.physicalMs })
        }
        await setMany(store, entries)
      },
      (log) => log.addKeys(stored),
      undefined,
      isLargeBatch(stored.length),
    )
    this.sync.keysWritten(stored)
    this.counts.sets += stored.length
    for (const key of stored) this.emit({ type: 'set', key })
  }

  /**
   * Tag versions read before a loader runs: an invalidation that lands while
   * it loads then outdates what it returns, instead of being missed.
   */
  async snapshotTags(space: KeySpace, tags: readonly string[] | undefined): Promise<TagSnapshot | undefined> {
    if (!tags || tags.length === 0) return undefined
    const keys = entryTagKeys(space, tags)
    return this.breaker.read(
      async (store): Promise<TagSnapshot> => ({ store, versions: await tagVersions(store, keys) }),
      undefined,
    )
  }

  /**
   * A store's live copy of a key (replay reads the fallback with it), or
   * undefined. An entry whose tags were soft-expired comes back stale.
   */
  async readFrom(store: CacheStore, stored: string): Promise<Entry | undefined> {
    const raw = await store.get(stored)
    if (raw === undefined) return undefined
    const entry = this.decode(stored, raw)
    if (!entry?.tags) return entry
    const state = tagState(
      entry.tags,
      await tagVersions(
        store,
        entry.tags.map((t) => t[0]),
      ),
    )
    if (state === 'invalid') return undefined
    if (state === 'stale') entry.expiresAt = Math.min(entry.expiresAt || Date.now(), Date.now())
    return entry
  }

  /** Copies an entry read elsewhere (the fallback, in replay) into a store, with fresh tag versions. */
  async copy(store: CacheStore, stored: string, entry: Entry, physicalMs: number | undefined): Promise<void> {
    const tags = await recordTags(
      store,
      entry.tags?.map((t) => t[0]),
    )
    const value = encodeEntry(
      this.serializer.serialize(entry.value),
      entry.expiresAt,
      entry.staleUntil,
      tags,
      entry.writtenAt,
    )
    await store.set(stored, value, physicalMs)
  }

  /**
   * Soft expiry in one store: entries turn stale now and stay for their grace
   * (an entry without expiry stays for the cache's default grace). Compare-
   * and-set where the store can, so a value written meanwhile is not lost.
   */
  async expireIn(store: CacheStore, stored: string[]): Promise<number> {
    const raws = await getMany(store, stored)
    const now = Date.now()
    const outcomes = await Promise.all(
      raws.map(async (raw, i) => {
        if (raw === undefined) return false
        const key = stored[i]!
        let times: { expiresAt: number; staleUntil: number }
        try {
          times = entryTimes(raw)
        } catch {
          return false
        }
        if (times.expiresAt !== 0 && times.expiresAt <= now) return false
        const graceMs =
          times.staleUntil === 0 || times.expiresAt === 0
            ? this.defaultGraceMs
            : times.staleUntil - times.expiresAt
        if (graceMs <= 0) return (await store.delete([key])) > 0
        const next = withTimes(raw, now, now + graceMs)
        if (store.replace) return store.replace(key, raw, next, graceMs)
        await store.set(key, next, graceMs)
        return true
      }),
    )
    return outcomes.filter(Boolean).length
  }

  private async versionsFor(
    store: CacheStore,
    tagKeys: string[],
    known: ReadonlyMap<string, number> | undefined,
  ): Promise<Map<string, number>> {
    const missing = known ? tagKeys.filter((k) => !known.has(k)) : tagKeys
    const read = missing.length > 0 ? await tagVersions(store, missing) : new Map<string, number>()
    if (known) for (const [k, v] of known) read.set(k, v)
    return read
  }

  private decode(stored: string, raw: string): Entry | undefined {
    try {
      return decodeEntry(raw, this.serializer)
    } catch (cause) {
      this.emit({
        type: 'error',
        key: stored,
        error: new CacheError('CACHE_CORRUPT', `unreadable entry "${stored}" treated as a miss.`, {
          key: stored,
          cause,
        }),
      })
      return undefined
    }
  }

  private found(
    stored: string,
    entry: Entry,
    tagsStale: boolean,
    layer: Layer,
    schema: Schema<unknown> | undefined,
    now = Date.now(),
  ): Found | undefined {
    if (entry.staleUntil !== 0 && entry.staleUntil <= now) return undefined
    if (schema !== undefined) {
      const checked = checkSchema(schema, entry.value)
      if (checked === schemaFailure) {
        this.emit({
          type: 'error',
          key: stored,
          error: new CacheError(
            'CACHE_SCHEMA_MISMATCH',
            `"${stored}" failed its schema and was treated as a miss.`,
            { key: stored },
          ),
        })
        return undefined
      }
      entry.value = checked
    }
    const fresh = !tagsStale && (entry.expiresAt === 0 || entry.expiresAt > now)
    return { entry, layer, fresh }
  }
}

// Writes of this many entries or more get the bulk timeout (after a ping has
// proved the store answers): encoding hundreds of commands can outlast one
// command's timeout on a busy machine, and that must not pass for an outage.
const LARGE_BATCH = 64

export const isLargeBatch = (entries: number): boolean => entries >= LARGE_BATCH

/** `getMany` of a store, or one `get` per key for a store without it. */
export function getMany(store: CacheStore, keys: string[]): Promise<(string | undefined)[]> {
  if (keys.length === 1) return store.get(keys[0]!).then((v) => [v])
  return store.getMany ? store.getMany(keys) : Promise.all(keys.map((k) => store.get(k)))
}

function setMany(store: CacheStore, entries: StoreEntry[]): Promise<void> {
  if (entries.length === 1) {
    const { key, value, ttlMs } = entries[0]!
    return store.set(key, value, ttlMs)
  }
  if (store.setMany) return store.setMany(entries)
  return Promise.all(entries.map((e) => store.set(e.key, e.value, e.ttlMs))).then(() => {})
}
