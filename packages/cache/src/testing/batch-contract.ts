import { expect, it } from 'vitest'
import type { SuiteContext } from './shared'
import { sleep } from './shared'

/** getMany, setMany, deleteMany, getOrSetMany, keys, and l1 value safety. */
export function batchContract(ctx: SuiteContext): void {
  it('getMany returns values in order, misses as undefined, duplicates included', async () => {
    const cache = ctx.make()
    await cache.set('a', { n: 1 })
    await cache.set('c', 'three')
    await cache.set('expired', 'x', { ttl: 50 })
    await sleep(150)
    const values = await cache.getMany(['a', 'b', 'c', 'a', 'expired'])
    // Dense: a miss is an undefined element, not a hole (for...in and forEach visit every key).
    expect(Object.keys(values)).toHaveLength(5)
    expect(values).toEqual([{ n: 1 }, undefined, 'three', { n: 1 }, undefined])
    expect(await cache.getMany([])).toEqual([])
    const schema = { parse: (v: unknown) => (typeof v === 'string' ? v : Number.NaN) }
    expect(await cache.getMany(['c'], { schema })).toEqual(['three'])
  })

  it('setMany writes entries with their own ttl and tags; deleteMany counts what existed', async () => {
    const cache = ctx.make()
    const t1 = cache.namespace('tenant:1')
    await t1.setMany(
      [
        { key: 'a', value: 1 },
        { key: 'b', value: 2, tags: ['odd'] },
        { key: 'short', value: 3, ttl: 300 },
      ],
      { tags: ['all'] },
    )
    expect(await t1.getMany(['a', 'b', 'short'])).toEqual([1, 2, 3])
    await t1.invalidateTags(['odd'])
    expect(await t1.getMany(['a', 'b'])).toEqual([1, undefined])
    await t1.invalidateTags(['all'])
    expect(await t1.get('a')).toBeUndefined()
    await t1.setMany([
      { key: 'x', value: 'x' },
      { key: 'y', value: 'y' },
    ])
    expect(await t1.deleteMany(['x', 'y', 'never'])).toBe(2)
    expect(await t1.getMany(['x', 'y'])).toEqual([undefined, undefined])
    await sleep(600)
    expect(await t1.get('short')).toBeUndefined()
  })

  it('getOrSetMany calls the loader once with exactly the missing keys, and caches what it returns', async () => {
    const cache = ctx.make()
    await cache.set('1', 'cached one')
    const asked: string[][] = []
    const loadMissing = async (keys: string[]) => {
      asked.push(keys)
      return keys.map((k) => (k === '404' ? undefined : `loaded ${k}`))
    }
    expect(await cache.getOrSetMany(['1', '2', '3', '2', '404'], loadMissing)).toEqual([
      'cached one',
      'loaded 2',
      'loaded 3',
      'loaded 2',
      undefined,
    ])
    expect(asked).toEqual([['2', '3', '404']])
    expect(await cache.getMany(['2', '3', '404'])).toEqual(['loaded 2', 'loaded 3', undefined])
    // A Map by key works as well as an array in order.
    expect(
      await cache.getOrSetMany(['3', '5'], async (keys) => new Map(keys.map((k) => [k, `m${k}`]))),
    ).toEqual(['loaded 3', 'm5'])
  })

  it('getOrSetMany is stampede-protected per key: concurrent getOrSet calls join its load', async () => {
    const cache = ctx.make()
    let batchCalls = 0
    let singleCalls = 0
    const batch = cache.getOrSetMany(['a', 'b'], async (keys) => {
      batchCalls++
      await sleep(100)
      return keys.map((k) => `batch ${k}`)
    })
    await sleep(30)
    const single = await cache.getOrSet('a', () => {
      singleCalls++
      return 'single a'
    })
    expect(single).toBe('batch a')
    expect(await batch).toEqual(['batch a', 'batch b'])
    // And a batch joins a key another call is loading.
    const slow = cache.getOrSet('c', async () => {
      await sleep(100)
      return 'single c'
    })
    await sleep(30)
    expect(await cache.getOrSetMany(['c', 'd'], async (keys) => keys.map((k) => `batch ${k}`))).toEqual([
      'single c',
      'batch d',
    ])
    await slow
    expect([batchCalls, singleCalls]).toEqual([1, 0])
  })

  it('getOrSetMany falls back on stale values per key when the loader fails, and fails without them', async () => {
    const cache = ctx.make({ grace: '1m' })
    await cache.set('old', 'stale value', { ttl: 50 })
    await sleep(150)
    const failing = async () => {
      throw new Error('backend down')
    }
    expect(await cache.getOrSetMany(['old'], failing)).toEqual(['stale value'])
    await expect(cache.getOrSetMany(['old', 'new'], failing)).rejects.toThrow('backend down')
  })

  it("keys() lists this namespace's keys matching a glob, nested namespaces and other prefixes excluded", async () => {
    const cache = ctx.make()
    const ns = cache.namespace('tenant:1')
    const many = Array.from({ length: 700 }, (_, i) => ({ key: `restaurant:${i}`, value: i }))
    await ns.setMany(many)
    await ns.set('menu:1', 'm')
    await ns.namespace('deep').set('restaurant:x', 'nested')
    await cache.namespace('tenant:10').set('restaurant:1', 'other tenant')
    await cache.set('restaurant:1', 'root')
    await ctx.make().namespace('tenant:1').set('restaurant:1', 'other prefix')
    const listed = new Set<string>()
    for await (const key of ns.keys('restaurant:*')) listed.add(key)
    expect([...listed].sort()).toEqual(many.map((m) => m.key).sort())
    const all = new Set<string>()
    for await (const key of ns.keys()) all.add(key)
    expect(all.size).toBe(701)
    await ns.delete('menu:1')
    const menus: string[] = []
    for await (const key of ns.keys('menu:*')) menus.push(key)
    expect(menus).toEqual([])
  })

  it('l1 clone modes keep a caller that mutates its value from changing what others read', async () => {
    for (const clone of ['structured', 'freeze'] as const) {
      const cache = ctx.make({ l1: { clone } })
      await cache.set('menu', { items: ['soup'] })
      const first = (await cache.get<{ items: string[] }>('menu'))!
      try {
        first.items.push('mutated')
      } catch {
        // 'freeze': the push throws in strict mode.
      }
      expect(await cache.get('menu')).toEqual({ items: ['soup'] })
      const loaded = await cache.getOrSet('loaded', () => ({ n: 1 }))
      try {
        ;(loaded as { n: number }).n = 2
      } catch {}
      expect(await cache.get('loaded')).toEqual({ n: 1 })
    }
  })
}
