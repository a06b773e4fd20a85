import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Cache, createCache } from './cache'
import { CacheError, CacheTimeoutError } from './errors'
import type { CacheOptions } from './options'
import type { CacheStore } from './types'

/** How a suite gets a fresh store, and how it is torn down. */
export interface StoreFactory {
  /** Shown in test names. */
  name: string
  create(): CacheStore | Promise<CacheStore>
  /** Runs after the suite (close pools, stop servers). */
  cleanup?(): void | Promise<void>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Every key a suite writes starts with its run id, so it can remove them all on a shared server. */
function runIds() {
  const run = `rc-suite-${randomBytes(4).toString('hex')}`
  return { run, unique: (label: string) => `${run}-${label}-${randomBytes(4).toString('hex')}` }
}

/**
 * The driver contract: every `CacheStore` must pass it. Keys are unique per
 * run, so the suite can share a server with other tests.
 */
export function describeCacheStore(factory: StoreFactory): void {
  describe(`CacheStore contract: ${factory.name}`, () => {
    let store: CacheStore
    let p: string
    const { run, unique } = runIds()
    beforeAll(async () => {
      store = await factory.create()
    })
    afterAll(async () => {
      await store.deletePattern(`${run}*`)
      await store.close?.()
      await factory.cleanup?.()
    })
    const k = (name: string) => `${p}|${name}`
    it('stores, reads and misses', async () => {
      p = unique('contract')
      expect(await store.get(k('absent'))).toBeUndefined()
      await store.set(k('a'), 'value \u00e9 | ; : "q"', undefined)
      expect(await store.get(k('a'))).toBe('value \u00e9 | ; : "q"')
      await store.set(k('a'), 'second', undefined)
      expect(await store.get(k('a'))).toBe('second')
    })
    it('drops a value after its ttl', async () => {
      const written = Date.now()
      await store.set(k('short'), 'x', 300)
      await store.set(k('long'), 'y', 60_000)
      const early = await store.get(k('short'))
      // On a loaded machine the first read may already be past the TTL.
      if (Date.now() - written < 250) expect(early).toBe('x')
      await sleep(600)
      expect(await store.get(k('short'))).toBeUndefined()
      expect(await store.get(k('long'))).toBe('y')
    })
    it('deletes keys and counts only those that existed', async () => {
      await store.set(k('d1'), '1', undefined)
      await store.set(k('d2'), '2', undefined)
      expect(await store.delete([k('d1'), k('d2'), k('never')])).toBe(2)
      expect(await store.get(k('d1'))).toBeUndefined()
      expect(await store.delete([k('d1')])).toBe(0)
    })
    it('deletes by glob pattern and nothing else', async () => {
      const base = unique('glob')
      for (let i = 0; i < 30; i++) await store.set(`${base}|user:${i}`, String(i), undefined)
      await store.set(`${base}|order:1`, 'o', undefined)
      await store.set(`${base}x|user:1`, 'other', undefined)
      expect(await store.deletePattern(`${base}|user:*`)).toBe(30)
      expect(await store.get(`${base}|user:3`)).toBeUndefined()
      expect(await store.get(`${base}|order:1`)).toBe('o')
      expect(await store.get(`${base}x|user:1`)).toBe('other')
      await store.set(`${base}|a1`, '1', undefined)
      await store.set(`${base}|b1`, '2', undefined)
      await store.set(`${base}|a22`, '3', undefined)
      expect(await store.deletePattern(`${base}|[a]?`)).toBe(1)
      expect(await store.get(`${base}|b1`)).toBe('2')
      expect(await store.get(`${base}|a22`)).toBe('3')
    })
    it('keeps tag versions: 0 until bumped, then atomic increments', async () => {
      const [t1, t2] = [k('tag:1'), k('tag:2')]
      expect(await store.tagVersions([t1, t2])).toEqual([0, 0])
      await store.bumpTags([t1, t2])
      await store.bumpTags([t1])
      expect(await store.tagVersions([t1, t2])).toEqual([2, 1])
      await Promise.all(Array.from({ length: 20 }, () => store.bumpTags([t2])))
      expect(await store.tagVersions([t2])).toEqual([21])
    })
    it('gives a lock to one holder until released or expired', async () => {
      if (!store.lock || !store.unlock) return expect(store.lock).toBeUndefined()
      const key = k('lock')
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.lock!(key, `t${i}`, 10_000)),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
      const holder = `t${results.indexOf(true)}`
      await store.unlock(key, 'not-the-holder')
      expect(await store.lock(key, 'late', 10_000)).toBe(false)
      await store.unlock(key, holder)
      expect(await store.lock(key, 'next', 100)).toBe(true)
      await sleep(250)
      expect(await store.lock(key, 'after-expiry', 10_000)).toBe(true)
    })
  })
}

export interface CacheSuiteOptions extends StoreFactory {
  /** Extra createCache options (l1, bus...). */
  cacheOptions?: Omit<CacheOptions, 'store' | 'prefix'>
}

/**
 * What `createCache` guarantees over a store: TTL, namespaces, tags,
 * patterns, stampede protection, grace and timeouts, bad input.
 */
export function describeCache(factory: CacheSuiteOptions): void {
  describe(`createCache over ${factory.name}`, () => {
    let store: CacheStore
    const caches: Cache[] = []
    const { run, unique } = runIds()
    // These tests are about semantics, not timing: a generous command timeout
    // keeps a busy machine from sending calls to the (absent) fallback.
    const make = (options: Omit<CacheOptions, 'store'> = {}) => {
      const cache = createCache({
        store,
        prefix: unique('c'),
        storeTimeout: '5s',
        ...factory.cacheOptions,
        ...options,
      })
      caches.push(cache)
      return cache
    }
    beforeAll(async () => {
      store = await factory.create()
    })
    afterAll(async () => {
      await store.deletePattern(`${run}*`)
      await Promise.all(caches.map((c) => c.close()))
      await factory.cleanup?.()
    })

    it('round-trips JSON values and misses absent keys', async () => {
      const cache = make()
      const value = { id: 42, name: 'Fresh fish', tags: ['a', 'b'], nested: { ok: true, n: null } }
      await cache.set('supplier:42', value)
      expect(await cache.get('supplier:42')).toEqual(value)
      expect(await cache.get('supplier:43')).toBeUndefined()
      expect(await cache.has('supplier:42')).toBe(true)
      expect(await cache.has('supplier:43')).toBe(false)
    })

    it('expires values after their ttl, with jitter only shortening it', async () => {
      const cache = make({ jitter: 0.5 })
      const written = Date.now()
      await cache.set('short', 1, { ttl: 400 })
      await cache.set('long', 2, { ttl: '1m' })
      const early = await cache.get('short')
      // Jitter leaves at least half the TTL; a loaded machine may read later than that.
      if (Date.now() - written < 180) expect(early).toBe(1)
      await sleep(700)
      expect(await cache.get('short')).toBeUndefined()
      expect(await cache.get('long')).toBe(2)
    })

    it('keeps namespaces and prefixes apart, whatever the names contain', async () => {
      const cache = make()
      const names = ['tenant:1', 'tenant:1:2', 'a|b', 'a', 'b||x', '%7C', '*']
      for (const name of names) await cache.namespace(name).set('x', name)
      await cache.namespace('tenant:1').set('2:x', 'key with colon')
      await cache.namespace('a').set('b||x', 'root-like key')
      await cache.set('x', 'root')
      for (const name of names) expect(await cache.namespace(name).get('x')).toBe(name)
      expect(await cache.namespace('tenant:1').get('2:x')).toBe('key with colon')
      expect(await cache.namespace('a').get('b||x')).toBe('root-like key')
      expect(await cache.get('x')).toBe('root')
      const other = make()
      expect(await other.get('x')).toBeUndefined()
      expect(await other.namespace('tenant:1').get('x')).toBeUndefined()
    })

    it('clears one namespace (and those nested in it) only', async () => {
      const cache = make()
      const a = cache.namespace('tenant:1')
      const nested = a.namespace('orders')
      const b = cache.namespace('tenant:10')
      await Promise.all([a.set('k', 1), nested.set('k', 2), b.set('k', 3), cache.set('k', 4)])
      await a.clear()
      expect(await a.get('k')).toBeUndefined()
      expect(await nested.get('k')).toBeUndefined()
      expect(await b.get('k')).toBe(3)
      expect(await cache.get('k')).toBe(4)
    })

    it('deletes by pattern inside its namespace only', async () => {
      const cache = make()
      const ns = cache.namespace('t1')
      await Promise.all([ns.set('restaurant:1', 1), ns.set('restaurant:2', 2), ns.set('menu:1', 3)])
      await cache.namespace('t2').set('restaurant:1', 'other tenant')
      await cache.set('restaurant:1', 'root')
      expect(await ns.deletePattern('restaurant:*')).toBe(2)
      expect(await ns.get('restaurant:1')).toBeUndefined()
      expect(await ns.get('menu:1')).toBe(3)
      expect(await cache.namespace('t2').get('restaurant:1')).toBe('other tenant')
      expect(await cache.get('restaurant:1')).toBe('root')
    })

    it('deletes keys and returns how many existed', async () => {
      const cache = make()
      await cache.set('a', 1)
      await cache.set('b', 2)
      expect(await cache.delete('a', 'b', 'c')).toBe(2)
      expect(await cache.get('a')).toBeUndefined()
    })

    it('invalidates every entry of a tag, across namespaces, and only those', async () => {
      const cache = make()
      const t1 = cache.namespace('tenant:1')
      const t2 = cache.namespace('tenant:2')
      await t1.set('supplier', 'a', { tags: ['vendor:42'] })
      await t2.set('supplier', 'b', { tags: ['vendor:42', 'x'] })
      await t1.set('other', 'c', { tags: ['vendor:7'] })
      await cache.set('plain', 'd')
      await t2.invalidateTags(['vendor:42'])
      expect(await t1.get('supplier')).toBeUndefined()
      expect(await t2.get('supplier')).toBeUndefined()
      expect(await t1.get('other')).toBe('c')
      expect(await cache.get('plain')).toBe('d')
      await t1.set('supplier', 'again', { tags: ['vendor:42'] })
      expect(await t1.get('supplier')).toBe('again')
    })

    it('runs the loader once for 500 concurrent misses of one key', async () => {
      const cache = make()
      let calls = 0
      const results = await Promise.all(
        Array.from({ length: 500 }, () =>
          cache.getOrSet('hot', async () => {
            calls++
            await sleep(30)
            return { v: 1 }
          }),
        ),
      )
      expect(calls).toBe(1)
      expect(results.every((r) => r.v === 1)).toBe(true)
      expect(await cache.getOrSet('hot', () => ({ v: 2 }))).toEqual({ v: 1 })
      expect(cache.stats().loads).toBe(1)
    })

    it('serves the stale value when the loader fails within grace', async () => {
      const cache = make({ grace: '1m' })
      await cache.getOrSet('menu', () => 'v1', { ttl: 50 })
      await sleep(120)
      expect(await cache.get('menu')).toBeUndefined()
      const value = await cache.getOrSet('menu', () => {
        throw new Error('Poster is down')
      })
      expect(value).toBe('v1')
      expect(cache.stats().staleServed).toBe(1)
    })

    it('serves stale past the soft timeout and stores the late result', async () => {
      const cache = make({ grace: '1m', timeout: { soft: 30 } })
      await cache.set('slow', 'old', { ttl: 50 })
      await sleep(120)
      const started = Date.now()
      const value = await cache.getOrSet('slow', async () => {
        await sleep(200)
        return 'new'
      })
      expect(value).toBe('old')
      expect(Date.now() - started).toBeLessThan(180)
      await sleep(300)
      expect(await cache.get('slow')).toBe('new')
    })

    it('fails with CacheTimeoutError past the hard timeout when nothing is stale', async () => {
      const cache = make({ timeout: { hard: 50 } })
      let aborted = false
      const error = await cache
        .getOrSet<string>('never', async ({ signal }) => {
          signal.addEventListener('abort', () => {
            aborted = true
          })
          await sleep(300)
          return 'late'
        })
        .catch((e: CacheTimeoutError) => e)
      expect(error).toBeInstanceOf(CacheTimeoutError)
      expect((error as CacheTimeoutError).code).toBe('CACHE_TIMEOUT')
      expect(aborted).toBe(true)
    })

    it('rethrows a failing loader when nothing is stale, and caches nothing', async () => {
      const cache = make()
      await expect(cache.getOrSet('boom', () => Promise.reject(new Error('nope')))).rejects.toThrow('nope')
      expect(await cache.get('boom')).toBeUndefined()
    })

    it('treats corrupt entries and schema failures as misses', async () => {
      const prefix = unique('raw')
      const cache = make({ prefix })
      await store.set(`${prefix}||garbage`, '{not an entry', undefined)
      await store.set(`${prefix}||truncated`, 'r1:99999999999999:0:', undefined)
      expect(await cache.get('garbage')).toBeUndefined()
      expect(await cache.get('truncated')).toBeUndefined()
      expect(await cache.getOrSet('garbage', () => 'reloaded')).toBe('reloaded')
      await cache.set('n', { count: 'not a number' })
      const schema = {
        safeParse: (v: any) =>
          typeof v?.count === 'number'
            ? { success: true as const, data: v }
            : { success: false as const, error: 'bad' },
      }
      expect(await cache.get('n', { schema })).toBeUndefined()
      expect(await cache.getOrSet('n', () => ({ count: 1 }), { schema })).toEqual({ count: 1 })
    })

    it('rejects bad arguments with typed errors', async () => {
      const cache = make()
      const circular: any = {}
      circular.self = circular
      const cases: [Promise<unknown>, string][] = [
        [cache.get(''), 'CACHE_INVALID_ARGUMENT'],
        [cache.set('', 1), 'CACHE_INVALID_ARGUMENT'],
        [cache.set('k', 1, { ttl: -5 }), 'CACHE_INVALID_ARGUMENT'],
        [cache.set('k', 1, { ttl: 'soon' as any }), 'CACHE_INVALID_ARGUMENT'],
        [cache.set('k', undefined), 'CACHE_INVALID_ARGUMENT'],
        [cache.set('k', 10n), 'CACHE_SERIALIZATION'],
        [cache.set('k', circular), 'CACHE_SERIALIZATION'],
        [cache.set('k', () => 1), 'CACHE_SERIALIZATION'],
        [cache.set('k', 1, { tags: [''] }), 'CACHE_INVALID_ARGUMENT'],
        [cache.getOrSet('k', 'not a function' as any), 'CACHE_INVALID_ARGUMENT'],
        [cache.deletePattern(''), 'CACHE_INVALID_ARGUMENT'],
      ]
      for (const [promise, code] of cases) {
        const error = (await promise.catch((e) => e)) as CacheError
        expect(error).toBeInstanceOf(CacheError)
        expect(error.code).toBe(code)
        expect(error.message).toMatch(/^\[@rc\/cache\]/)
      }
      expect(() => cache.namespace('')).toThrow(CacheError)
      expect(() => createCache({ store, ttl: -1 })).toThrow(CacheError)
      expect(() => createCache({ store, jitter: 2 })).toThrow(/jitter/)
    })

    it('counts hits, misses, sets, deletes and loads', async () => {
      const cache = make()
      await cache.get('s')
      await cache.set('s', 1)
      await cache.get('s')
      await cache.getOrSet('t', () => 2)
      await cache.delete('s')
      const stats = cache.stats()
      expect(stats).toMatchObject({ hits: 1, misses: 2, sets: 2, deletes: 1, loads: 1, mode: 'primary' })
      expect(stats.hitRate).toBeCloseTo(1 / 3)
    })
  })
}
