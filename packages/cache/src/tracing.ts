import { type TracedContext, tracer } from '@rc/internal'

/**
 * The `node:diagnostics_channel` TracingChannels this package publishes (see "Tracing" in the
 * README): `tracingChannel(cacheChannels.get).subscribe({ start, end, asyncStart, asyncEnd, error })`.
 */
export const cacheChannels = {
  get: 'rc:cache:get',
  set: 'rc:cache:set',
  delete: 'rc:cache:delete',
  getOrSet: 'rc:cache:getOrSet',
  load: 'rc:cache:load',
  invalidate: 'rc:cache:invalidate',
  getMany: 'rc:cache:getMany',
  setMany: 'rc:cache:setMany',
  getOrSetMany: 'rc:cache:getOrSetMany',
} as const

/** Fields of every cache operation's context. Never a value, never the prefixed store key. */
export interface CacheOperationContext extends TracedContext {
  /** The namespace path, names joined by '/' (`'tenant:42/suppliers'`); `''` at the root. */
  namespace: string
  /** The key as the caller gave it (`delete` of several keys: joined by one space). */
  key: string
  /** The primary store's driver name: `'memory'`, `'redis'`, `'postgres'`. */
  store: string
}

/** Where a value came from: the in-process l1, the store, or the fallback during an outage. */
export type CacheLayer = 'l1' | 'store' | 'fallback'

/** `rc:cache:get`. Result fields set before the call settles. */
export interface CacheGetContext extends CacheOperationContext {
  /** `'hit'` or `'miss'` (`get` never serves a stale entry: it is a miss). */
  outcome?: 'hit' | 'miss' | 'stale'
  /** The layer that answered a hit; undefined on a miss. */
  layer?: CacheLayer
}

/** `rc:cache:set`. */
export interface CacheSetContext extends CacheOperationContext {
  /** The TTL written (after jitter); undefined when the options were invalid (the call fails). */
  ttlMs: number | undefined
  tags: string[] | undefined
}

/** `rc:cache:delete` (also `deleteMany`). */
export interface CacheDeleteContext extends CacheOperationContext {
  /** Result field: how many keys existed in the store. */
  deleted?: number
}

/** `rc:cache:getOrSet`. Result fields set before the call settles. */
export interface CacheGetOrSetContext extends CacheOperationContext {
  /** `'hit'` (fresh), `'miss'` (the loader's value) or `'stale'` (a stale value stood in). */
  outcome?: 'hit' | 'miss' | 'stale'
  /** The layer of a hit or of the stale value served; undefined for a loaded value. */
  layer?: CacheLayer
  /** This call ran the loader (then `rc:cache:load` is nested in it). */
  loaded?: boolean
  /** This call joined another caller's running flight for the key and waited for it. */
  coalesced?: boolean
}

/** `rc:cache:load`: the loader run, nested inside the `getOrSet` that started it (or a refresh-ahead). */
export interface CacheLoadContext extends TracedContext {
  namespace: string
  key: string
}

/**
 * `rc:cache:getMany`, `rc:cache:setMany` and `rc:cache:getOrSetMany`: `key` holds the keys joined by
 * one space, `count` how many there are.
 */
export interface CacheBatchContext extends CacheOperationContext {
  count: number
  /** Result field (`getMany`): how many keys were found fresh. */
  hits?: number
  /** Result field (`getOrSetMany`): how many keys this call's loader was asked for (0: it did not run). */
  loadedKeys?: number
}

/** `rc:cache:invalidate`: `invalidateTags`, `invalidateTagsEverywhere` and `expireTags`. */
export interface CacheInvalidateContext extends TracedContext {
  /** The namespace it was called on (`invalidateTagsEverywhere` reaches the whole prefix all the same). */
  namespace: string
  store: string
  /** The tags as given. */
  tags: string[]
  /** `'invalidate'` (hard: entries read as misses) or `'expire'` (soft: stale within their grace). */
  mode: 'invalidate' | 'expire'
  /** `'namespace'` (this namespace's tags) or `'everywhere'` (`invalidateTagsEverywhere`). */
  scope: 'namespace' | 'everywhere'
}

export const tracers = {
  get: tracer<CacheGetContext>(cacheChannels.get),
  set: tracer<CacheSetContext>(cacheChannels.set),
  delete: tracer<CacheDeleteContext>(cacheChannels.delete),
  getOrSet: tracer<CacheGetOrSetContext>(cacheChannels.getOrSet),
  load: tracer<CacheLoadContext>(cacheChannels.load),
  invalidate: tracer<CacheInvalidateContext>(cacheChannels.invalidate),
  getMany: tracer<CacheBatchContext>(cacheChannels.getMany),
  setMany: tracer<CacheBatchContext>(cacheChannels.setMany),
  getOrSetMany: tracer<CacheBatchContext>(cacheChannels.getOrSetMany),
}
