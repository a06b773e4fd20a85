import { randomBytes } from 'node:crypto'
import { recordTraces, type TraceRecorder } from '@rc/internal'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Cache, type CacheOptions, type CacheStore, cacheChannels, createCache } from '../../src/index'
import { memoryStore } from '../../src/memory'

/** A store for the suite, and a way to make it unreachable and back (for the fallback layer). */
export interface TracedStore {
  store: CacheStore
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

const names = Object.values(cacheChannels)
// What must never reach a subscriber: every cached value below contains it.
const SECRET = `secret-${randomBytes(6).toString('hex')}`

/** The cache's tracing channels over one driver: contexts, result fields, nesting, errors, no values. */
export function describeCacheTracing(name: string, create: () => Promise<TracedStore>): void {
  describe(`cache tracing channels (${name})`, () => {
    const opened: { cache: Cache; traced: TracedStore }[] = []
    let rec: TraceRecorder

    async function make(options: Omit<CacheOptions, 'store'> = {}) {
      const traced = await create()
      const cache = createCache({
        store: traced.store,
        prefix: `trace-${randomBytes(4).toString('hex')}`,
        storeTimeout: 500,
        ...options,
      })
      opened.push({ cache, traced })
      return { cache, traced }
    }
    const value = (i: number) => ({ id: i, token: SECRET })

    beforeEach(() => {
      rec = recordTraces(names)
    })
    afterEach(() => {
      // Whatever a test did, no context ever carried a cached value.
      expect(rec.serialized()).not.toContain(SECRET)
      rec.stop()
    })
    afterAll(async () => {
      for (const { cache, traced } of opened) {
        await cache.clear().catch(() => {})
        await cache.close()
        await traced.close()
      }
    })

    it('get: an l1 hit, a store hit and a miss, each with its outcome and layer', async () => {
      const { cache, traced: l1Store } = await make({ l1: true })
      const ns = cache.namespace('tenant:42').namespace('suppliers')
      await ns.set('s1', value(1))
      rec.clear()
      expect(await ns.get('s1')).toEqual(value(1))
      expect(await ns.get('nope')).toBeUndefined()
      const [hit, miss] = rec.contexts(cacheChannels.get)
      expect(hit).toMatchObject({
        namespace: 'tenant:42/suppliers',
        key: 's1',
        store: l1Store.store.name,
        outcome: 'hit',
        layer: 'l1',
      })
      expect(miss).toMatchObject({ key: 'nope', outcome: 'miss' })
      expect(miss!.layer).toBeUndefined()
      expect(rec.eventsOf(hit!)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
      expect(hit!.result).toBeUndefined()

      const { cache: plain, traced } = await make()
      await plain.set('s2', value(2))
      rec.clear()
      expect(await plain.get('s2')).toEqual(value(2))
      expect(rec.contexts(cacheChannels.get)[0]).toMatchObject({
        namespace: '',
        key: 's2',
        store: traced.store.name,
        outcome: 'hit',
        layer: 'store',
      })
    })

    it('set and delete: ttl, tags, the keys given and how many were deleted', async () => {
      const { cache, traced } = await make()
      await cache.set('a', value(1), { ttl: '2m', tags: ['vendor:1'] })
      await cache.set('b', value(2))
      expect(await cache.delete('a', 'b', 'c')).toBe(2)
      const [setA] = rec.contexts(cacheChannels.set)
      expect(setA).toMatchObject({
        namespace: '',
        key: 'a',
        store: traced.store.name,
        ttlMs: 120_000,
        tags: ['vendor:1'],
      })
      expect(rec.eventsOf(setA!)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
      const [del] = rec.contexts(cacheChannels.delete)
      expect(del).toMatchObject({ key: 'a b c', deleted: 2 })
      expect(rec.eventsOf(del!)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
    })

    it('tag invalidations: the namespace, the tags, hard or soft, this namespace or everywhere', async () => {
      const { cache, traced } = await make()
      const ns = cache.namespace('tenant:9')
      await ns.set('a', value(1), { tags: ['stock'] })
      rec.clear()
      await ns.invalidateTags(['stock', 'orders'])
      await ns.expireTags(['stock'])
      await ns.invalidateTagsEverywhere(['menu'])
      await expect(ns.invalidateTags([''])).rejects.toMatchObject({ code: 'CACHE_INVALID_ARGUMENT' })
      const [hard, soft, everywhere, bad] = rec.contexts(cacheChannels.invalidate)
      expect(hard).toMatchObject({
        namespace: 'tenant:9',
        store: traced.store.name,
        tags: ['stock', 'orders'],
        mode: 'invalidate',
        scope: 'namespace',
      })
      expect(rec.eventsOf(hard!)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
      expect(soft).toMatchObject({ tags: ['stock'], mode: 'expire', scope: 'namespace' })
      expect(everywhere).toMatchObject({ tags: ['menu'], mode: 'invalidate', scope: 'everywhere' })
      expect(rec.eventsOf(bad!)).toContain('error')
      // What was invalidated is gone: the traced call did the work.
      expect(await ns.get('a')).toBeUndefined()
    })

    it('batches: getMany counts its hits, setMany its keys, getOrSetMany runs its loader in rc:cache:load', async () => {
      const { cache, traced } = await make()
      const ns = cache.namespace('tenant:3')
      await ns.setMany([
        { key: 'a', value: value(1) },
        { key: 'b', value: value(2) },
      ])
      expect(await ns.getMany(['a', 'b', 'c'])).toEqual([value(1), value(2), undefined])
      const got = await ns.getOrSetMany(['a', 'c', 'd'], async (missing) =>
        missing.map((k) => value(k.length)),
      )
      expect(got).toEqual([value(1), value(1), value(1)])
      await ns.getOrSetMany(['a', 'c'], async () => [])
      const [set] = rec.contexts(cacheChannels.setMany)
      expect(set).toMatchObject({ namespace: 'tenant:3', key: 'a b', store: traced.store.name, count: 2 })
      expect(rec.eventsOf(set!)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
      const [read] = rec.contexts(cacheChannels.getMany)
      expect(read).toMatchObject({ key: 'a b c', count: 3, hits: 2 })
      const [loading, cached] = rec.contexts(cacheChannels.getOrSetMany)
      expect(loading).toMatchObject({ key: 'a c d', count: 3, loadedKeys: 2 })
      expect(cached).toMatchObject({ key: 'a c', count: 2, loadedKeys: 0 })
      const loads = rec.contexts(cacheChannels.load)
      expect(loads).toHaveLength(1)
      expect(loads[0]).toMatchObject({ namespace: 'tenant:3', key: 'c d' })
      expect(rec.parentOf(loads[0]!)?.context).toBe(loading)
      await expect(ns.getMany('a' as never)).rejects.toMatchObject({ code: 'CACHE_INVALID_ARGUMENT' })
      expect(rec.eventsOf(rec.contexts(cacheChannels.getMany)[1]!)).toContain('error')
    })

    it('getOrSet: a miss runs the loader inside rc:cache:load, nested in the getOrSet', async () => {
      const { cache } = await make()
      const ns = cache.namespace('tenant:7')
      const got = await ns.getOrSet('outer', async () => {
        // A nested cache call inside the loader: its span must hang under the load.
        await ns.getOrSet('inner', async () => value(2))
        return value(1)
      })
      expect(got).toEqual(value(1))
      const [outer, inner] = rec.contexts(cacheChannels.getOrSet)
      const [outerLoad, innerLoad] = rec.contexts(cacheChannels.load)
      expect(outer).toMatchObject({ namespace: 'tenant:7', key: 'outer', outcome: 'miss', loaded: true })
      expect(outer).toMatchObject({ coalesced: false })
      expect(outer!.layer).toBeUndefined()
      expect(outerLoad).toMatchObject({ namespace: 'tenant:7', key: 'outer' })
      expect(rec.parentOf(outer!)).toBeUndefined()
      expect(rec.parentOf(outerLoad!)?.context).toBe(outer)
      expect(rec.parentOf(inner!)?.context).toBe(outerLoad)
      expect(rec.parentOf(innerLoad!)?.context).toBe(inner)
      expect(rec.eventsOf(outerLoad!)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])

      rec.clear()
      await ns.getOrSet('outer', async () => value(3))
      expect(rec.contexts(cacheChannels.getOrSet)[0]).toMatchObject({
        outcome: 'hit',
        layer: 'store',
        loaded: false,
      })
      expect(rec.contexts(cacheChannels.load)).toEqual([])
    })

    it('getOrSet: concurrent callers, one loads and the others are coalesced with its outcome', async () => {
      const { cache } = await make()
      let runs = 0
      const loader = async () => {
        runs++
        await new Promise((r) => setTimeout(r, 20))
        return value(1)
      }
      await Promise.all([
        cache.getOrSet('k', loader),
        cache.getOrSet('k', loader),
        cache.getOrSet('k', loader),
      ])
      expect(runs).toBe(1)
      const calls = rec.contexts(cacheChannels.getOrSet)
      expect(calls.filter((c) => c.loaded)).toHaveLength(1)
      expect(calls.filter((c) => c.coalesced)).toHaveLength(2)
      for (const c of calls) expect(c).toMatchObject({ outcome: 'miss' })
      expect(rec.contexts(cacheChannels.load)).toHaveLength(1)
    })

    it('getOrSet: a stale value standing in for a failing loader is outcome stale, and the error shows on load', async () => {
      const { cache } = await make({ grace: '1m' })
      await cache.set('k', value(1))
      await cache.expire('k')
      rec.clear()
      const failure = new Error('upstream down')
      expect(await cache.getOrSet('k', () => Promise.reject(failure))).toEqual(value(1))
      const [call] = rec.contexts(cacheChannels.getOrSet)
      expect(call).toMatchObject({ outcome: 'stale', layer: 'store', loaded: true })
      expect(rec.eventsOf(call!)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
      const [load] = rec.contexts(cacheChannels.load)
      expect(rec.eventsOf(load!)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
      expect(load!.error).toBe(failure)
    })

    it('errors are published on the operation that fails', async () => {
      const { cache } = await make()
      const failure = new Error('loader broke')
      await expect(cache.getOrSet('k', () => Promise.reject(failure))).rejects.toBe(failure)
      const [call] = rec.contexts(cacheChannels.getOrSet)
      expect(rec.eventsOf(call!)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
      expect(call!.error).toBe(failure)
      await expect(cache.set('', 1)).rejects.toThrow(/non-empty string/)
      const [set] = rec.contexts(cacheChannels.set)
      expect(rec.eventsOf(set!)).toContain('error')
      expect((set!.error as Error).message).toMatch(/non-empty string/)
    })

    it('during an outage the fallback answers: layer fallback', async () => {
      const { cache, traced } = await make({ fallback: memoryStore() })
      await traced.cut()
      try {
        await cache.set('k', value(1))
        expect(await cache.get('k')).toEqual(value(1))
        expect(await cache.getOrSet('k', async () => value(2))).toEqual(value(1))
      } finally {
        await traced.restore()
      }
      expect(rec.contexts(cacheChannels.get)[0]).toMatchObject({ outcome: 'hit', layer: 'fallback' })
      expect(rec.contexts(cacheChannels.getOrSet)[0]).toMatchObject({ outcome: 'hit', layer: 'fallback' })
    })
  })
}
