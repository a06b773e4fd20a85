import { trace } from '@rc/internal'
import type { Cache } from '../cache'
import { CacheError } from '../errors'
import { type KeySpace, validateKey, validateSegment } from '../keys'
import {
  checkSchema,
  type GetOptions,
  type GetOrSetOptions,
  type LoaderContext,
  type SetManyEntry,
  type SetOptions,
  schemaFailure,
  validateTags,
} from '../options'
import {
  type CacheBatchContext,
  type CacheDeleteContext,
  type CacheGetContext,
  type CacheGetOrSetContext,
  type CacheInvalidateContext,
  type CacheSetContext,
  tracers,
} from '../tracing'
import type { Schema } from '../types'
import type { CacheCore } from './core'
import { isLargeBatch, type WritePlan } from './entry-io'
import { fillL1, getOrSetFromStore, runLoader } from './get-or-set'
import { getOrSetManyFromStore, type ManyLoader } from './get-or-set-many'
import type { NearEntry } from './near-cache'
import type { CacheStats } from './stats'

const notInL1: unique symbol = Symbol('not in l1')
// The hottest call's channel in a const of its own: one load fewer on every l1 hit.
const getChannel = tracers.get

/**
 * The `Cache` a caller holds: the root cache or one namespace of it, all
 * sharing one core. Each public operation starts and ends in one method
 * here: arguments are checked, then l1, stores and loaders are reached
 * through the core's parts.
 */
export class CacheView implements Cache {
  private readonly core: CacheCore
  private readonly space: KeySpace
  /** This space's l1 map, taken on first use (the hot path of `get`). */
  private near: Map<string, NearEntry> | undefined

  constructor(core: CacheCore, space: KeySpace) {
    this.core = core
    this.space = space
  }

  get<T = unknown>(key: string, options?: GetOptions<T>): Promise<T | undefined> {
    return getChannel.hasSubscribers ? this.tracedGet(key, options) : this.untracedGet(key, options)
  }

  private untracedGet<T>(key: string, options: GetOptions<T> | undefined): Promise<T | undefined> {
    // The l1 hit without options: one map lookup and a few property reads.
    const core = this.core
    const l1 = core.l1
    if (options === undefined && l1 !== undefined) {
      this.near ??= l1.space(this.space.base)
      const entry = this.near.get(key)
      if (entry !== undefined && l1.usable(entry)) {
        if (core.listening) core.emit({ type: 'hit', key: this.space.key(key), layer: 'l1' })
        return Promise.resolve((l1.copies ? structuredClone(entry.value) : entry.value) as T)
      }
    }
    if (!this.core.closed && typeof key === 'string' && options !== undefined) {
      const near = this.fromL1(key, options.schema)
      if (near !== notInL1) return Promise.resolve(near as T)
    }
    return this.getFromStore(key, options)
  }

  private tracedGet<T>(key: string, options: GetOptions<T> | undefined): Promise<T | undefined> {
    const context: CacheGetContext = this.context(key)
    return trace(tracers.get, context, async () => {
      if (!this.core.closed && typeof key === 'string') {
        const near = this.fromL1(key, options?.schema)
        if (near !== notInL1) {
          context.outcome = 'hit'
          context.layer = 'l1'
          return near as T
        }
      }
      return this.getFromStore(key, options, context)
    })
  }

  /** The fields every operation's trace context starts with. */
  private context(key: unknown): { namespace: string; key: string; store: string } {
    return { namespace: this.space.path, key: String(key), store: this.core.store.name }
  }

  /**
   * An l1 copy that passes the schema, counted as a hit, or `notInL1`. Kept to
   * a few property reads: it runs millions of times a second.
   */
  private fromL1(key: string, schema: Schema<unknown> | undefined, entry?: NearEntry): unknown {
    const l1 = this.core.l1
    const near = entry ?? l1?.get(this.space.base, key)
    if (near === undefined) return notInL1
    const value = schema === undefined ? l1!.valueOf(near) : checkSchema(schema, l1!.valueOf(near))
    if (value === schemaFailure) return notInL1
    this.core.hit(this.space, key, 'l1')
    return value
  }

  private async getFromStore<T>(
    key: string,
    options: GetOptions<T> = {},
    report?: CacheGetContext,
  ): Promise<T | undefined> {
    const core = this.core
    core.assertOpen()
    validateKey(key)
    const epoch = core.l1?.epoch
    const stored = this.space.key(key)
    const found = await core.io.read(stored, options.schema as Schema<unknown> | undefined)
    if (!found?.fresh) {
      core.miss(stored)
      if (report) report.outcome = 'miss'
      return undefined
    }
    core.hit(this.space, key, found.layer)
    if (report) {
      report.outcome = 'hit'
      report.layer = found.layer
    }
    fillL1(core, this.space, key, found, epoch)
    return found.entry.value as T
  }

  set(key: string, value: unknown, options: SetOptions = {}): Promise<void> {
    if (!tracers.set.hasSubscribers) return this.write(key, value, options, undefined)
    let plan: WritePlan | undefined
    try {
      plan = this.core.plan(options).write
    } catch {
      // Invalid options: the traced call below fails with the same error.
    }
    const context: CacheSetContext = { ...this.context(key), ttlMs: plan?.ttlMs, tags: plan?.tags }
    return trace(tracers.set, context, () => this.write(key, value, options, plan))
  }

  private async write(key: string, value: unknown, options: SetOptions, plan: WritePlan | undefined) {
    this.core.assertOpen()
    validateKey(key)
    await this.core.io.write(this.space, key, value, plan ?? this.core.plan(options).write)
  }

  getOrSet<T>(
    key: string,
    loader: (context: LoaderContext<T>) => T | Promise<T>,
    options: GetOrSetOptions<T> = {},
  ): Promise<T> {
    if (!tracers.getOrSet.hasSubscribers) return this.getOrSetWith(key, loader, options, undefined)
    const context: CacheGetOrSetContext = this.context(key)
    return trace(tracers.getOrSet, context, () => this.getOrSetWith(key, loader, options, context))
  }

  private getOrSetWith<T>(
    key: string,
    loader: (context: LoaderContext<T>) => T | Promise<T>,
    options: GetOrSetOptions<T>,
    report: CacheGetOrSetContext | undefined,
  ): Promise<T> {
    const core = this.core
    let plan: ReturnType<CacheCore['plan']>
    try {
      core.assertOpen()
      validateKey(key)
      if (typeof loader !== 'function') {
        throw new CacheError('CACHE_INVALID_ARGUMENT', `getOrSet("${key}") needs a loader function.`, { key })
      }
      plan = core.plan(options as GetOrSetOptions<unknown>)
    } catch (error) {
      return Promise.reject(error)
    }
    const schema = options.schema as Schema<unknown> | undefined
    const entry = core.l1?.get(this.space.base, key)
    if (entry !== undefined) {
      const near = this.fromL1(key, schema, entry)
      if (near !== notInL1) {
        if (plan.refreshAhead > 0) {
          const expiresAt = entry.span === 0 ? 0 : entry.writtenAt + entry.span
          core.refresh.consider(this.space, key, entry.writtenAt, expiresAt, loader, plan, schema)
        }
        if (report) Object.assign(report, { outcome: 'hit', layer: 'l1', loaded: false, coalesced: false })
        return Promise.resolve(near as T)
      }
    }
    return getOrSetFromStore(core, this.space, key, loader, plan, schema, report)
  }

  async has(key: string): Promise<boolean> {
    this.core.assertOpen()
    validateKey(key)
    if (this.core.l1?.peek(this.space.base, key)) return true
    return (await this.core.io.read(this.space.key(key), undefined))?.fresh ?? false
  }

  delete(...keys: string[]): Promise<number> {
    return this.deleteMany(keys)
  }

  deleteMany(keys: string[]): Promise<number> {
    if (!tracers.delete.hasSubscribers) return this.deleteKeys(keys)
    const context: CacheDeleteContext = this.context(Array.isArray(keys) ? keys.join(' ') : keys)
    return trace(tracers.delete, context, async () => {
      context.deleted = await this.deleteKeys(keys)
      return context.deleted
    })
  }

  private async deleteKeys(keys: string[]): Promise<number> {
    const core = this.core
    core.assertOpen()
    validateKeys(keys, 'deleteMany')
    if (keys.length === 0) return 0
    const stored = keys.map((k) => this.space.key(k))
    const count = await core.breaker.write(
      (s) => s.delete(stored),
      (log) => log.addKeys(stored),
      0,
      isLargeBatch(stored.length),
    )
    // After the store: a peer told earlier could read the old value back into its l1.
    core.sync.keysChanged(this.space, keys, stored)
    core.counts.deletes += stored.length
    core.emit({ type: 'delete', key: stored.join(' ') })
    return count
  }

  async expire(...keys: string[]): Promise<number> {
    const core = this.core
    core.assertOpen()
    validateKeys(keys, 'expire')
    if (keys.length === 0) return 0
    const stored = keys.map((k) => this.space.key(k))
    const count = await core.breaker.write(
      (s) => core.io.expireIn(s, stored),
      (log) => log.addExpired(stored),
      0,
      isLargeBatch(stored.length),
    )
    core.sync.keysChanged(this.space, keys, stored)
    core.emit({ type: 'expire', key: stored.join(' ') })
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
    const count = await core.breaker.write(
      (s) => s.deletePattern(storedPattern),
      (log) => log.addPattern(storedPattern),
      0,
      true,
    )
    core.sync.patternDeleted(storedPattern)
    core.counts.deletes += count
    core.emit({ type: 'delete', key: storedPattern })
    return count
  }

  invalidateTags(tags: string[]): Promise<void> {
    return this.bumpTags(tags, (t) => this.space.tagKey(t), 'invalidate', 'namespace')
  }

  invalidateTagsEverywhere(tags: string[]): Promise<void> {
    return this.bumpTags(tags, (t) => this.space.prefixTagKey(t), 'invalidate', 'everywhere')
  }

  expireTags(tags: string[]): Promise<void> {
    return this.bumpTags(tags, (t) => this.space.staleTagKey(t), 'expire', 'namespace')
  }

  private bumpTags(
    tags: string[],
    keyOf: (tag: string) => string,
    event: 'invalidate' | 'expire',
    scope: 'namespace' | 'everywhere',
  ): Promise<void> {
    if (!tracers.invalidate.hasSubscribers) return this.bumpTagsNow(tags, keyOf, event)
    const context: CacheInvalidateContext = {
      namespace: this.space.path,
      store: this.core.store.name,
      tags: Array.isArray(tags) ? tags.map(String) : [],
      mode: event,
      scope,
    }
    return trace(tracers.invalidate, context, () => this.bumpTagsNow(tags, keyOf, event))
  }

  private async bumpTagsNow(
    tags: string[],
    keyOf: (tag: string) => string,
    event: 'invalidate' | 'expire',
  ): Promise<void> {
    const core = this.core
    core.assertOpen()
    const valid = validateTags(tags)
    if (!valid) return
    const tagKeys = valid.map(keyOf)
    await core.breaker.write(
      (s) => s.bumpTags(tagKeys),
      (log) => log.addTags(tagKeys),
      undefined,
    )
    core.sync.tagsBumped(tagKeys)
    core.emit({ type: event, tags: valid })
  }

  getMany<T = unknown>(keys: string[], options: GetOptions<T> = {}): Promise<(T | undefined)[]> {
    if (!tracers.getMany.hasSubscribers) return this.getManyNow(keys, options)
    const context = this.batchContext(keys)
    return trace(tracers.getMany, context, async () => {
      const values = await this.getManyNow(keys, options)
      context.hits = values.filter((v) => v !== undefined).length
      return values
    })
  }

  /** The context of a batch call: its keys joined by one space (as `deleteMany`'s), and how many. */
  private batchContext(keys: unknown): CacheBatchContext {
    const list = Array.isArray(keys) ? keys : []
    return { ...this.context(list.join(' ')), count: list.length }
  }

  private async getManyNow<T>(keys: string[], options: GetOptions<T>): Promise<(T | undefined)[]> {
    const core = this.core
    core.assertOpen()
    validateKeys(keys, 'getMany')
    const schema = options.schema as Schema<unknown> | undefined
    const results: (T | undefined)[] = new Array(keys.length).fill(undefined)
    const missing: number[] = []
    for (let i = 0; i < keys.length; i++) {
      const near = core.l1 ? this.fromL1(keys[i]!, schema) : notInL1
      if (near === notInL1) missing.push(i)
      else results[i] = near as T
    }
    if (missing.length === 0) return results
    const epoch = core.l1?.epoch
    const stored = missing.map((i) => this.space.key(keys[i]!))
    const found = await core.io.readMany(stored, schema)
    for (let j = 0; j < missing.length; j++) {
      const i = missing[j]!
      const f = found[j]
      if (!f?.fresh) {
        core.miss(stored[j]!)
        continue
      }
      results[i] = f.entry.value as T
      if (core.listening) core.hit(this.space, keys[i]!, f.layer)
      else core.counts.hits++
      if (core.l1) fillL1(core, this.space, keys[i]!, f, epoch)
    }
    return results
  }

  setMany(entries: SetManyEntry[], options: SetOptions = {}): Promise<void> {
    if (!tracers.setMany.hasSubscribers) return this.setManyNow(entries, options)
    const keys = Array.isArray(entries) ? entries.map((e) => String(e?.key)) : []
    return trace(tracers.setMany, this.batchContext(keys), () => this.setManyNow(entries, options))
  }

  private async setManyNow(entries: SetManyEntry[], options: SetOptions): Promise<void> {
    const core = this.core
    core.assertOpen()
    if (!Array.isArray(entries)) {
      throw new CacheError('CACHE_INVALID_ARGUMENT', 'setMany needs an array of { key, value } entries.')
    }
    const items = entries.map((entry) => {
      validateKey(entry?.key)
      const { key, value, ttl, grace, tags } = entry
      const merged: SetOptions = {
        ttl: ttl ?? options.ttl,
        grace: grace ?? options.grace,
        tags: tags ?? options.tags,
      }
      return { key, value, plan: core.plan(merged).write }
    })
    await core.io.writeMany(this.space, items)
  }

  getOrSetMany<T>(
    keys: string[],
    loadMissing: ManyLoader<T>,
    options: GetOrSetOptions<T> = {},
  ): Promise<(T | undefined)[]> {
    if (!tracers.getOrSetMany.hasSubscribers) return this.getOrSetManyNow(keys, loadMissing, options)
    const context = this.batchContext(keys)
    context.loadedKeys = 0
    // The loader's run nests in rc:cache:load (its keys joined by a space), inside this call.
    const traced: ManyLoader<T> =
      typeof loadMissing === 'function'
        ? (missing, loaderContext) => {
            context.loadedKeys = missing.length
            return runLoader(this.space, missing.join(' '), (c) => loadMissing(missing, c), loaderContext)
          }
        : loadMissing
    return trace(tracers.getOrSetMany, context, () => this.getOrSetManyNow(keys, traced, options))
  }

  private async getOrSetManyNow<T>(
    keys: string[],
    loadMissing: ManyLoader<T>,
    options: GetOrSetOptions<T>,
  ): Promise<(T | undefined)[]> {
    const core = this.core
    core.assertOpen()
    validateKeys(keys, 'getOrSetMany')
    if (typeof loadMissing !== 'function') {
      throw new CacheError(
        'CACHE_INVALID_ARGUMENT',
        'getOrSetMany needs a loader function for the missing keys.',
      )
    }
    const plan = core.plan(options as GetOrSetOptions<unknown>)
    const schema = options.schema as Schema<unknown> | undefined
    const results: (T | undefined)[] = new Array(keys.length).fill(undefined)
    let allNear = true
    for (let i = 0; i < keys.length; i++) {
      const near = core.l1 ? this.fromL1(keys[i]!, schema) : notInL1
      if (near === notInL1) allNear = false
      else results[i] = near as T
    }
    if (allNear) return results
    return getOrSetManyFromStore(core, this.space, keys, results, loadMissing, plan, schema)
  }

  async *keys(pattern = '*'): AsyncGenerator<string> {
    this.core.assertOpen()
    if (typeof pattern !== 'string' || pattern.length === 0) {
      throw new CacheError('CACHE_INVALID_ARGUMENT', `keys needs a non-empty glob such as 'restaurant:*'.`)
    }
    const start = this.space.key('').length
    for await (const stored of this.core.breaker.scan(this.space.pattern(pattern))) yield stored.slice(start)
  }

  namespace(name: string): Cache {
    validateSegment(name, 'namespace')
    return new CacheView(this.core, this.space.child(name))
  }

  stats(): CacheStats {
    const { counts, breaker, l1 } = this.core
    return counts.snapshot(breaker.mode, l1 ? { hits: l1.hits, size: l1.size } : undefined)
  }

  close(): Promise<void> {
    return this.core.close()
  }
}

function validateKeys(keys: unknown, method: string): asserts keys is string[] {
  if (!Array.isArray(keys)) {
    throw new CacheError('CACHE_INVALID_ARGUMENT', `${method} needs an array of keys, got ${typeof keys}.`)
  }
  for (const key of keys) validateKey(key)
}
