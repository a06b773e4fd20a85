import { expect, it } from 'vitest'
import { createCache } from '../cache'
import { CacheError, CacheTimeoutError } from '../errors'
import { type SuiteContext, sleep } from './shared'

/** Values, TTL, namespaces, patterns, stampede protection, grace and timeouts, bad input, stats. */
export function coreContract(ctx: SuiteContext): void {
  it('round-trips JSON values and misses absent keys', async () => {
    const cache = ctx.make()
    const value = { id: 42, name: 'Fresh fish', tags: ['a', 'b'], nested: { ok: true, n: null } }
    await cache.set('supplier:42', value)
    expect(await cache.get('supplier:42')).toEqual(value)
    expect(await cache.get('supplier:43')).toBeUndefined()
    expect(await cache.has('supplier:42')).toBe(true)
    expect(await cache.has('supplier:43')).toBe(false)
  })

  it('expires values after their ttl, with jitter only shortening it', async () => {
    const cache = ctx.make({ jitter: 0.5 })
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

  it('keeps a value with ttl Infinity (the cache default or one call) until it is deleted', async () => {
    const cache = ctx.make({ ttl: Number.POSITIVE_INFINITY })
    await cache.set('forever', 1)
    expect(await cache.get('forever')).toBe(1)
    expect(await cache.getOrSet('loaded', () => 2)).toBe(2)
    expect(await cache.get('loaded')).toBe(2)
    const other = ctx.make()
    await other.set('x', 'kept', { ttl: Number.POSITIVE_INFINITY })
    expect(await other.get('x')).toBe('kept')
    expect(await cache.delete('forever')).toBe(1)
  })

  it('keeps namespaces and prefixes apart, whatever the names contain', async () => {
    const cache = ctx.make()
    const names = ['tenant:1', 'tenant:1:2', 'a|b', 'a', 'b||x', '%7C', '*']
    for (const name of names) await cache.namespace(name).set('x', name)
    await cache.namespace('tenant:1').set('2:x', 'key with colon')
    await cache.namespace('a').set('b||x', 'root-like key')
    await cache.set('x', 'root')
    for (const name of names) expect(await cache.namespace(name).get('x')).toBe(name)
    expect(await cache.namespace('tenant:1').get('2:x')).toBe('key with colon')
    expect(await cache.namespace('a').get('b||x')).toBe('root-like key')
    expect(await cache.get('x')).toBe('root')
    const other = ctx.make()
    expect(await other.get('x')).toBeUndefined()
    expect(await other.namespace('tenant:1').get('x')).toBeUndefined()
  })

  it('clears one namespace (and those nested in it) only', async () => {
    const cache = ctx.make()
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
    const cache = ctx.make()
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
    const cache = ctx.make()
    await cache.set('a', 1)
    await cache.set('b', 2)
    expect(await cache.delete('a', 'b', 'c')).toBe(2)
    expect(await cache.get('a')).toBeUndefined()
  })

  it('runs the loader once for 500 concurrent misses of one key', async () => {
    const cache = ctx.make()
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
    const cache = ctx.make({ grace: '1m' })
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
    const cache = ctx.make({ grace: '1m', timeout: { soft: 30 } })
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
    const cache = ctx.make({ timeout: { hard: 50 } })
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
    const cache = ctx.make()
    await expect(cache.getOrSet('boom', () => Promise.reject(new Error('nope')))).rejects.toThrow('nope')
    expect(await cache.get('boom')).toBeUndefined()
  })

  it('treats corrupt entries and schema failures as misses', async () => {
    const prefix = ctx.unique('raw')
    const cache = ctx.make({ prefix })
    await ctx.store().set(`${prefix}||garbage`, '{not an entry', undefined)
    await ctx.store().set(`${prefix}||truncated`, 'r1:99999999999999:0:', undefined)
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
    const cache = ctx.make()
    const circular: any = {}
    circular.self = circular
    // Thunks: every call starts only when its turn comes, so no rejection waits unhandled.
    const cases: [() => Promise<unknown>, string][] = [
      [() => cache.get(''), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.set('', 1), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.set('k', 1, { ttl: -5 }), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.set('k', 1, { ttl: 'soon' as any }), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.set('k', undefined), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.set('k', 10n), 'CACHE_SERIALIZATION'],
      [() => cache.set('k', circular), 'CACHE_SERIALIZATION'],
      [() => cache.set('k', () => 1), 'CACHE_SERIALIZATION'],
      [() => cache.set('k', 1, { tags: [''] }), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.getOrSet('k', 'not a function' as any), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.deletePattern(''), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.getOrSet('k', () => 1, { refreshAhead: 1.5 }), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.getMany('k' as any), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.getMany(['a', '']), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.setMany([{ key: '', value: 1 }]), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.setMany([{ key: 'k', value: 10n }]), 'CACHE_SERIALIZATION'],
      [() => cache.deleteMany(['']), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.expire(''), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.expireTags([''] as any), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.invalidateTagsEverywhere('x' as any), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.getOrSetMany(['k'], 'no loader' as any), 'CACHE_INVALID_ARGUMENT'],
      [() => cache.getOrSetMany(['k1', 'k2'], () => [1]), 'CACHE_INVALID_ARGUMENT'],
      [
        () =>
          cache.getOrSet('ctx-ttl', (c) => {
            c.ttl = -1
            return 1
          }),
        'CACHE_INVALID_ARGUMENT',
      ],
      [() => cache.keys('')[Symbol.asyncIterator]().next(), 'CACHE_INVALID_ARGUMENT'],
    ]
    for (const [call, code] of cases) {
      const error = (await call().catch((e) => e)) as CacheError
      expect(error).toBeInstanceOf(CacheError)
      expect(error.code).toBe(code)
      expect(error.message).toMatch(/^\[@rc\/cache\]/)
    }
    expect(() => cache.namespace('')).toThrow(CacheError)
    expect(() => createCache({ store: ctx.store(), ttl: -1 })).toThrow(CacheError)
    expect(() => createCache({ store: ctx.store(), jitter: 2 })).toThrow(/jitter/)
    expect(() => createCache({ store: ctx.store(), refreshAhead: 1 })).toThrow(/refreshAhead/)
    expect(() => createCache({ store: ctx.store(), maxOutageKeys: 0 })).toThrow(/maxOutageKeys/)
    expect(() => createCache({ store: ctx.store(), l1: { clone: 'deep' as any } })).toThrow(/l1/)
  })

  it('counts hits, misses, sets, deletes and loads', async () => {
    const cache = ctx.make()
    await cache.get('s')
    await cache.set('s', 1)
    await cache.get('s')
    await cache.getOrSet('t', () => 2)
    await cache.delete('s')
    const stats = cache.stats()
    expect(stats).toMatchObject({ hits: 1, misses: 2, sets: 2, deletes: 1, loads: 1, mode: 'primary' })
    expect(stats.hitRate).toBeCloseTo(1 / 3)
  })
}
