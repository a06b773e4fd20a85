import { randomUUID } from 'node:crypto'
import { toMs } from './duration'
import { decodeEntry, type Entry, encodeEntry, jsonSerializer, serializeValue } from './entry'
import { CacheError, CacheTimeoutError } from './errors'
import { globToRegExp, KeySpace, validateKey, validateSegment } from './keys'
import { NearCache } from './l1'
import { memoryStore } from './memory'
import {
  type CacheOptions,
  checkSchema,
  type GetOptions,
  type GetOrSetOptions,
  type LoaderContext,
  loaderTimeouts,
  type SetOptions,
  schemaFailure,
  toTtl,
  validateOptions,
  validateTags,
} from './options'
import type { OutageLog } from './outage-log'
import { type Layer, StoreRouter } from './router'
import type { BusMessage, CacheBus, CacheEvent, CacheStore, Schema, Serializer } from './types'

export interface CacheStats {
  hits: number
  misses: number
  /** hits / (hits + misses), 0 before any read. */
  hitRate: number
  sets: number
  deletes: number
  errors: number
  /** Loader runs. */
  loads: number
  /** Stale values served in place of a failing or slow loader. */
  staleServed: number
  /** `fallback` while the primary store is unreachable. */
  mode: 'primary' | 'fallback'
  /** Hits answered by l1, and its size. */
  l1: { hits: number; size: number } | undefined
}

/** One cache API over any store. `namespace()` returns a view with its own key space. */
export interface Cache {
  get<T = unknown>(key: string, options?: GetOptions<T>): Promise<T | undefined>
  set(key: string, value: unknown, options?: SetOptions): Promise<void>
  getOrSet<T>(
    key: string,
    loader: (context: LoaderContext<T>) => T | Promise<T>,
    options?: GetOrSetOptions<T>,
  ): Promise<T>
  has(key: string): Promise<boolean>
  /** Deletes keys; resolves to how many existed in the store. */
  delete(...keys: string[]): Promise<number>
  /** Deletes this namespace's keys matching a glob (`*`, `?`, `[a-z]`); SCAN, never KEYS. */
  deletePattern(pattern: string): Promise<number>
  /** Invalidates every entry carrying one of the tags, in every namespace. */
  invalidateTags(tags: string[]): Promise<void>
  /** Deletes every key of this prefix or namespace, nested namespaces included. */
  clear(): Promise<void>
  namespace(name: string): Cache
  stats(): CacheStats
  /** Stops timers and the bus subscription; never closes clients you passed in. */
  close(): Promise<void>
}

interface CallPlan {
  ttlMs: number
  graceMs: number
  tagKeys: string[] | undefined
  softMs: number | undefined
  hardMs: number | undefined
}

interface Found {
  entry: Entry
  layer: Layer
  fresh: boolean
}

const POLL_MAX_MS = 100

/** State shared by a cache and all its namespaces. */
class CacheCore {
  readonly router: StoreRouter
  readonly store: CacheStore
  readonly fallback: CacheStore | undefined
  readonly l1: NearCache | undefined
  readonly bus: CacheBus | undefined
  readonly serializer: Serializer
  readonly root: KeySpace
  readonly defaults: { ttlMs: number; graceMs: number; jitter: number; softMs?: number; hardMs?: number }
  readonly distributed: boolean
  readonly lockTtlMs: number
  readonly inflight = new Map<string, Promise<unknown>>()
  /** Loads still running after a caller was served stale. */
  readonly refreshing = new Map<string, Promise<unknown>>()
  readonly counts = { hits: 0, misses: 0, sets: 0, deletes: 0, errors: 0, loads: 0, staleServed: 0 }
  private readonly onEvent: ((event: CacheEvent) => void) | undefined
  closed = false

  constructor(options: CacheOptions) {
    validateOptions(options)
    const prefix = options.prefix ?? 'rc'
    validateSegment(prefix, 'prefix')
    this.root = new KeySpace([prefix])
    this.store = options.store ?? memoryStore()
    this.fallback = options.fallback
    this.serializer = options.serializer ?? jsonSerializer
    this.onEvent = options.onEvent
    this.defaults = {
      ttlMs: toTtl(options.ttl ?? '5m', 'ttl'),
      graceMs: toMs(options.grace ?? 0, 'grace'),
      jitter: options.jitter ?? 0,
      ...loaderTimeouts(options.timeout, {}),
    }
    this.distributed = options.lock === 'distributed'
    this.lockTtlMs = toMs(options.lockTtl ?? '10s', 'lockTtl')
    const l1 = options.l1 === true ? {} : options.l1 || undefined
    this.l1 = l1
      ? new NearCache(l1.maxEntries ?? 5_000, l1.ttl === undefined ? undefined : toMs(l1.ttl, 'l1.ttl'))
      : undefined
    this.bus = options.bus
    const rootPattern = this.root.subtreePattern()
    this.router = new StoreRouter({
      primary: this.store,
      fallback: this.fallback,
      commandTimeoutMs: toMs(options.storeTimeout ?? '50ms', 'storeTimeout'),
      bulkTimeoutMs: 30_000,
      probeIntervalMs: toMs(options.probeInterval ?? '250ms', 'probeInterval'),
      maxOutageKeys: 100_000,
      emit: (e) => this.emit(e),
      replay: (log, primary, fallback) => this.replay(log, primary, fallback, rootPattern),
      // The fallback only ever serves the current outage: emptied when one
      // starts and when it ends (after the final replay pass, before any
      // write can reach it again).
      onTrip: () => this.resetFallback(rootPattern),
      onRecovered: () => {
        this.resetFallback(rootPattern)
        this.l1?.clear()
      },
    })
    this.bus
      ?.subscribe(
        (message) => this.onBusMessage(message),
        () => this.l1?.clear(),
      )
      .catch((error) => this.emit({ type: 'error', error }))
  }

  private resetFallback(rootPattern: string): void {
    this.fallback?.deletePattern(rootPattern).catch((error) => this.emit({ type: 'error', error }))
  }

  emit(event: CacheEvent): void {
    if (event.type === 'error') this.counts.errors++
    if (!this.onEvent) return
    try {
      this.onEvent(event)
    } catch {
      // A faulty listener must not break cache calls.
    }
  }

  assertOpen(): void {
    if (this.closed) throw new CacheError('CACHE_CLOSED', 'this cache was closed; create a new one.')
  }

  plan(space: KeySpace, options: GetOrSetOptions<unknown>): CallPlan {
    const tags = validateTags(options.tags)
    let ttlMs = options.ttl === undefined ? this.defaults.ttlMs : toTtl(options.ttl, 'ttl')
    if (this.defaults.jitter > 0 && Number.isFinite(ttlMs))
      ttlMs = Math.max(1, Math.round(ttlMs * (1 - Math.random() * this.defaults.jitter)))
    return {
      ttlMs,
      graceMs: options.grace === undefined ? this.defaults.graceMs : toMs(options.grace, 'grace'),
      tagKeys: tags?.map((t) => space.tagKey(t)),
      ...loaderTimeouts(options.timeout, this.defaults),
    }
  }

  /** Reads and decodes an entry; corrupt, tag-invalidated or schema-failing entries are absent. */
  async read(stored: string, schema: Schema<unknown> | undefined): Promise<Found | undefined> {
    const { value: entry, layer } = await this.router.read(async (s) => {
      const raw = await s.get(stored)
      if (raw === undefined) return undefined
      let decoded: Entry
      try {
        decoded = decodeEntry(raw, this.serializer)
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
      if (decoded.tags && !(await this.tagsCurrent(s, decoded.tags))) return undefined
      return decoded
    }, undefined)
    if (!entry || !layer) return undefined
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
    return { entry, layer, fresh: entry.expiresAt === 0 || entry.expiresAt > Date.now() }
  }

  private async tagsCurrent(store: CacheStore, tags: NonNullable<Entry['tags']>): Promise<boolean> {
    const versions = await store.tagVersions(tags.map((t) => t[0]))
    return tags.every((t, i) => versions[i] === t[1])
  }

  /** Writes a value through the router, then tells other instances. */
  async write(space: KeySpace, key: string, value: unknown, plan: CallPlan): Promise<void> {
    const stored = space.key(key)
    const payload = serializeValue(this.serializer, key, value)
    const now = Date.now()
    const forever = !Number.isFinite(plan.ttlMs)
    const expiresAt = forever ? 0 : now + plan.ttlMs
    const physicalMs = forever ? undefined : plan.ttlMs + plan.graceMs
    if (this.l1) {
      // A copy, not the caller's object: later mutations must not reach l1.
      this.l1.deleteKey(space.base, key)
      this.l1.set(space.base, key, this.serializer.deserialize(payload), expiresAt, plan.tagKeys)
    }
    await this.router.write(
      (s) => this.storeEntry(s, stored, payload, expiresAt, physicalMs, plan.tagKeys),
      (log) => log.addKeys([stored]),
      undefined,
    )
    this.bus?.publish({ type: 'keys', keys: [stored] })
    this.counts.sets++
    this.emit({ type: 'set', key: stored })
  }

  private async storeEntry(
    store: CacheStore,
    stored: string,
    payload: string,
    expiresAt: number,
    physicalMs: number | undefined,
    tagKeys: string[] | undefined,
  ): Promise<void> {
    const versions = tagKeys ? await store.tagVersions(tagKeys) : undefined
    const tags =
      tagKeys && versions ? tagKeys.map((t, i): [string, number] => [t, versions[i] ?? 0]) : undefined
    const staleUntil = physicalMs === undefined ? 0 : Date.now() + physicalMs
    await store.set(stored, encodeEntry(payload, expiresAt, staleUntil, tags), physicalMs)
  }

  fillL1(space: KeySpace, key: string, found: Found, epoch: number | undefined): void {
    if (!this.l1 || epoch !== this.l1.epoch) return
    const tagKeys = found.entry.tags?.map((t) => t[0])
    this.l1.set(space.base, key, found.entry.value, found.entry.expiresAt, tagKeys)
  }

  hit(space: KeySpace, key: string, layer: 'l1' | Layer): void {
    this.counts.hits++
    if (this.onEvent) this.emit({ type: 'hit', key: space.key(key), layer })
  }

  miss(key: string): void {
    this.counts.misses++
    if (this.onEvent) this.emit({ type: 'miss', key })
  }

  serveStale(key: string, reason: NonNullable<CacheEvent['reason']>, error?: unknown): void {
    this.counts.staleServed++
    this.emit({ type: 'stale', key, reason, error })
  }

  /** One flight per key: a store read, then (on a miss) the loader. */
  async fetchOrLoad<T>(
    stored: string,
    space: KeySpace,
    key: string,
    loader: (context: LoaderContext<T>) => T | Promise<T>,
    plan: CallPlan,
    schema: Schema<unknown> | undefined,
  ): Promise<T> {
    const epoch = this.l1?.epoch
    const found = await this.read(stored, schema)
    if (found?.fresh) {
      this.hit(space, key, found.layer)
      this.fillL1(space, key, found, epoch)
      return found.entry.value as T
    }
    const stale = found?.entry
    if (stale && this.refreshing.has(stored)) {
      this.serveStale(stored, 'soft-timeout')
      return stale.value as T
    }
    this.miss(stored)
    let release = async () => {}
    if (this.distributed) {
      const outcome = await this.acquire<T>(stored, space, key, plan, schema, stale)
      if ('value' in outcome) return outcome.value
      release = outcome.release
    }
    return this.runLoader(space, key, loader, plan, stale, release)
  }

  /** Takes the distributed lock, or waits until its holder has stored a value. */
  private async acquire<T>(
    stored: string,
    space: KeySpace,
    key: string,
    plan: CallPlan,
    schema: Schema<unknown> | undefined,
    stale: Entry | undefined,
  ): Promise<{ release: () => Promise<void> } | { value: T }> {
    const lockKey = space.lockKey(stored)
    const token = randomUUID()
    const started = Date.now()
    let delay = 5
    for (;;) {
      const taken = await this.router.read(
        (s) => (s.lock ? s.lock(lockKey, token, this.lockTtlMs) : Promise.resolve(true)),
        true,
      )
      if (taken.value) {
        // The previous holder may have stored the value just before we got the lock.
        const again = await this.read(stored, schema)
        const release = () =>
          this.router.read((s) => s.unlock?.(lockKey, token) ?? Promise.resolve(), undefined).then(() => {})
        if (again?.fresh) {
          await release()
          this.hit(space, key, again.layer)
          return { value: again.entry.value as T }
        }
        return { release }
      }
      await new Promise((r) => setTimeout(r, delay))
      delay = Math.min(delay * 2, POLL_MAX_MS)
      const found = await this.read(stored, schema)
      if (found?.fresh) {
        this.hit(space, key, found.layer)
        return { value: found.entry.value as T }
      }
      const waited = Date.now() - started
      if (stale && plan.softMs !== undefined && waited >= plan.softMs) {
        this.serveStale(stored, 'soft-timeout')
        return { value: stale.value as T }
      }
      if (plan.hardMs !== undefined && waited >= plan.hardMs) {
        if (stale) {
          this.serveStale(stored, 'hard-timeout')
          return { value: stale.value as T }
        }
        throw new CacheTimeoutError(stored, plan.hardMs)
      }
    }
  }

  private runLoader<T>(
    space: KeySpace,
    key: string,
    loader: (context: LoaderContext<T>) => T | Promise<T>,
    plan: CallPlan,
    stale: Entry | undefined,
    release: () => Promise<void>,
  ): Promise<T> {
    const stored = space.key(key)
    this.counts.loads++
    this.emit({ type: 'load', key: stored })
    const controller = new AbortController()
    const completion = (async () => {
      try {
        const value = await loader({ signal: controller.signal, stale: stale?.value as T | undefined })
        if (value !== undefined) await this.write(space, key, value, plan)
        return value
      } finally {
        await release().catch(() => {})
      }
    })()
    const background = () => {
      this.refreshing.set(stored, completion)
      completion
        .catch((error) => this.emit({ type: 'error', key: stored, error }))
        .finally(() => this.refreshing.delete(stored))
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false
      const timers: NodeJS.Timeout[] = []
      const settle = (fn: () => void) => {
        if (settled) return
        settled = true
        for (const timer of timers) clearTimeout(timer)
        fn()
      }
      completion.then(
        (value) => settle(() => resolve(value)),
        (error) =>
          settle(() => {
            if (!stale) return reject(error)
            this.serveStale(stored, 'loader-error', error)
            resolve(stale.value as T)
          }),
      )
      if (stale && plan.softMs !== undefined) {
        timers.push(
          setTimeout(
            () =>
              settle(() => {
                background()
                this.serveStale(stored, 'soft-timeout')
                resolve(stale.value as T)
              }),
            plan.softMs,
          ),
        )
      }
      if (plan.hardMs !== undefined) {
        timers.push(
          setTimeout(
            () =>
              settle(() => {
                const timeout = new CacheTimeoutError(stored, plan.hardMs!)
                controller.abort(timeout)
                background()
                if (!stale) return reject(timeout)
                this.serveStale(stored, 'hard-timeout')
                resolve(stale.value as T)
              }),
            plan.hardMs,
          ),
        )
      }
    })
  }

  /** Applies what changed during an outage to the primary (see OutageLog). */
  private async replay(
    log: OutageLog,
    primary: CacheStore,
    fallback: CacheStore | undefined,
    rootPattern: string,
  ): Promise<void> {
    if (log.overflow) await primary.deletePattern(rootPattern)
    for (const pattern of log.patterns) await primary.deletePattern(pattern)
    if (log.tags.size > 0) await primary.bumpTags([...log.tags])
    for (const stored of log.keys) {
      const raw = fallback ? await fallback.get(stored) : undefined
      let entry: Entry | undefined
      if (raw !== undefined && fallback) {
        try {
          entry = decodeEntry(raw, this.serializer)
          if (entry.tags && !(await this.tagsCurrent(fallback, entry.tags))) entry = undefined
        } catch {
          entry = undefined
        }
      }
      const remaining = entry && entry.staleUntil !== 0 ? entry.staleUntil - Date.now() : undefined
      if (!entry || (remaining !== undefined && remaining <= 0)) {
        await primary.delete([stored])
        continue
      }
      const payload = this.serializer.serialize(entry.value)
      await this.storeEntry(
        primary,
        stored,
        payload,
        entry.expiresAt,
        remaining,
        entry.tags?.map((t) => t[0]),
      )
    }
  }

  private onBusMessage(message: BusMessage): void {
    if (!this.l1) return
    if (message.type === 'keys') this.l1.deleteStored(message.keys)
    else if (message.type === 'tags') this.l1.invalidateTags(message.tags)
    else this.l1.deleteMatching(globToRegExp(message.pattern))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.router.close()
    await Promise.allSettled([this.bus?.close(), this.store.close?.(), this.fallback?.close?.()])
  }
}

const notInL1: unique symbol = Symbol('not in l1')

class CacheView implements Cache {
  private readonly core: CacheCore
  private readonly space: KeySpace

  constructor(core: CacheCore, space: KeySpace) {
    this.core = core
    this.space = space
  }

  get<T = unknown>(key: string, options?: GetOptions<T>): Promise<T | undefined> {
    if (!this.core.closed && typeof key === 'string') {
      const near = this.fromL1(key, options?.schema)
      if (near !== notInL1) return Promise.resolve(near)
    }
    return this.getFromStore(key, options)
  }

  /**
   * An l1 copy that passes the schema, counted as a hit, or `notInL1`. Kept to
   * a few property reads: it runs millions of times a second.
   */
  private fromL1<T>(key: string, schema: Schema<T> | undefined): T | typeof notInL1 {
    const near = this.core.l1?.get(this.space.base, key)
    if (near === undefined) return notInL1
    const value = schema === undefined ? (near.value as T) : checkSchema(schema, near.value)
    if (value === schemaFailure) return notInL1
    this.core.hit(this.space, key, 'l1')
    return value
  }

  private async getFromStore<T>(key: string, options: GetOptions<T> = {}): Promise<T | undefined> {
    const core = this.core
    core.assertOpen()
    validateKey(key)
    const epoch = core.l1?.epoch
    const found = await core.read(this.space.key(key), options.schema as Schema<unknown> | undefined)
    if (!found?.fresh) {
      core.miss(this.space.key(key))
      return undefined
    }
    core.hit(this.space, key, found.layer)
    core.fillL1(this.space, key, found, epoch)
    return found.entry.value as T
  }

  async set(key: string, value: unknown, options: SetOptions = {}): Promise<void> {
    this.core.assertOpen()
    validateKey(key)
    await this.core.write(this.space, key, value, this.core.plan(this.space, options))
  }

  getOrSet<T>(
    key: string,
    loader: (context: LoaderContext<T>) => T | Promise<T>,
    options: GetOrSetOptions<T> = {},
  ): Promise<T> {
    const core = this.core
    let plan: CallPlan
    try {
      core.assertOpen()
      validateKey(key)
      if (typeof loader !== 'function') {
        throw new CacheError('CACHE_INVALID_ARGUMENT', `getOrSet("${key}") needs a loader function.`, { key })
      }
      plan = core.plan(this.space, options as GetOrSetOptions<unknown>)
    } catch (error) {
      return Promise.reject(error)
    }
    const near = this.fromL1(key, options.schema)
    if (near !== notInL1) return Promise.resolve(near)
    const stored = this.space.key(key)
    let flight = core.inflight.get(stored) as Promise<T> | undefined
    if (!flight) {
      flight = core.fetchOrLoad(
        stored,
        this.space,
        key,
        loader,
        plan,
        options.schema as Schema<unknown> | undefined,
      )
      core.inflight.set(stored, flight)
      const done = () => {
        if (core.inflight.get(stored) === flight) core.inflight.delete(stored)
      }
      flight.then(done, done)
    }
    return flight
  }

  async has(key: string): Promise<boolean> {
    this.core.assertOpen()
    validateKey(key)
    if (this.core.l1?.get(this.space.base, key)) return true
    return (await this.core.read(this.space.key(key), undefined))?.fresh ?? false
  }

  async delete(...keys: string[]): Promise<number> {
    const core = this.core
    core.assertOpen()
    for (const key of keys) validateKey(key)
    if (keys.length === 0) return 0
    const stored = keys.map((k) => this.space.key(k))
    for (const key of keys) core.l1?.deleteKey(this.space.base, key)
    const count = await core.router.write(
      (s) => s.delete(stored),
      (log) => log.addKeys(stored),
      0,
    )
    core.bus?.publish({ type: 'keys', keys: stored })
    core.counts.deletes += stored.length
    core.emit({ type: 'delete', key: stored.join(' ') })
    return count
  }

  async deletePattern(pattern: string): Promise<number> {
    this.core.assertOpen()
    if (typeof pattern !== 'string' || pattern.length === 0) {
      throw new CacheError(
        'CACHE_INVALID_ARGUMENT',
        `deletePattern needs a non-empty glob such as 'restaurant:*'.`,
      )
    }
    return this.deleteStoredPattern(this.space.pattern(pattern))
  }

  async clear(): Promise<void> {
    this.core.assertOpen()
    await this.deleteStoredPattern(this.space.subtreePattern())
  }

  private async deleteStoredPattern(storedPattern: string): Promise<number> {
    const core = this.core
    core.l1?.deleteMatching(globToRegExp(storedPattern))
    const count = await core.router.write(
      (s) => s.deletePattern(storedPattern),
      (log) => log.addPattern(storedPattern),
      0,
      true,
    )
    core.bus?.publish({ type: 'pattern', pattern: storedPattern })
    core.counts.deletes += count
    core.emit({ type: 'delete', key: storedPattern })
    return count
  }

  async invalidateTags(tags: string[]): Promise<void> {
    const core = this.core
    core.assertOpen()
    const valid = validateTags(tags)
    if (!valid) return
    const tagKeys = valid.map((t) => this.space.tagKey(t))
    core.l1?.invalidateTags(tagKeys)
    await core.router.write(
      (s) => s.bumpTags(tagKeys),
      (log) => log.addTags(tagKeys),
      undefined,
    )
    core.bus?.publish({ type: 'tags', tags: tagKeys })
    core.emit({ type: 'invalidate', tags: valid })
  }

  namespace(name: string): Cache {
    validateSegment(name, 'namespace')
    return new CacheView(this.core, this.space.child(name))
  }

  stats(): CacheStats {
    const { counts, router, l1 } = this.core
    const reads = counts.hits + counts.misses
    return {
      ...counts,
      hitRate: reads === 0 ? 0 : counts.hits / reads,
      mode: router.mode,
      l1: l1 ? { hits: l1.hits, size: l1.size } : undefined,
    }
  }

  close(): Promise<void> {
    return this.core.close()
  }
}

/** Creates a cache. See the package README for every option and guarantee. */
export function createCache(options: CacheOptions = {}): Cache {
  const core = new CacheCore(options)
  return new CacheView(core, core.root)
}
