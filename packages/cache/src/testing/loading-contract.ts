import { expect, it } from 'vitest'
import type { CacheEvent, CacheStore } from '../types'
import { eventually, type SuiteContext, sleep } from './shared'

const failing = () => Promise.reject(new Error('backend down'))

/** The same store, with tag-version reads `ms` slower while `slow` is set. */
function slowTagReads(store: CacheStore, ms: number): { store: CacheStore; slow: boolean } {
  const control = { store, slow: true }
  control.store = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'tagVersions') {
        return async (keys: string[]) => {
          if (control.slow) await sleep(ms)
          return target.tagVersions(keys)
        }
      }
      const value = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return control
}

/** Soft expiry, what loaders may decide, fail-safe backoff and refresh-ahead. */
export function loadingContract(ctx: SuiteContext): void {
  it('expire() makes entries stale but keeps them for their grace; delete() stays hard', async () => {
    const cache = ctx.make({ grace: '1m' })
    await cache.set('menu', 'v1')
    await cache.set('deleted', 'v1')
    expect(await cache.expire('menu', 'absent')).toBe(1)
    expect(await cache.get('menu')).toBeUndefined()
    expect(await cache.has('menu')).toBe(false)
    // A failing loader falls back on the stale value...
    expect(await cache.getOrSet('menu', failing)).toBe('v1')
    // ...and a working one replaces it.
    const fresh = ctx.make({ grace: '1m' })
    await fresh.set('menu', 'v1')
    await fresh.expire('menu')
    expect(await fresh.getOrSet('menu', () => 'v2')).toBe('v2')
    expect(await fresh.get('menu')).toBe('v2')
    expect(await fresh.expire('menu')).toBe(1)
    expect(await fresh.expire('menu')).toBe(0)

    await cache.delete('deleted')
    await expect(cache.getOrSet('deleted', failing)).rejects.toThrow('backend down')
  })

  it('expire() without grace drops the entry', async () => {
    const cache = ctx.make()
    await cache.set('k', 'v')
    await cache.expire('k')
    await expect(cache.getOrSet('k', failing)).rejects.toThrow('backend down')
  })

  it('an entry that took long to reach the store gets its grace, not the delay: expire() without grace still drops it', async () => {
    // Tag versions are read before the write; a slow read stands for a loaded
    // machine or a far store (CI once saw the stale value served here).
    const slowly = slowTagReads(ctx.store(), 50)
    const cache = ctx.make({ store: slowly.store })
    await cache.set('k', 'v', { tags: ['t'] })
    slowly.slow = false
    expect(await cache.expire('k')).toBe(1)
    await expect(cache.getOrSet('k', failing)).rejects.toThrow('backend down')
    slowly.slow = true
    const graced = ctx.make({ store: slowly.store, grace: '1m' })
    await graced.set('k', 'v', { tags: ['t'] })
    slowly.slow = false
    await graced.expire('k')
    expect(await graced.getOrSet('k', failing)).toBe('v')
  })

  it("expireTags() makes this namespace's tagged entries stale; invalidateTags() stays hard", async () => {
    // No fail-safe backoff: the failing loader below must not hold back the working one after it.
    const cache = ctx.make({ grace: '1m', failSafeBackoff: 0 })
    const t1 = cache.namespace('tenant:1')
    const t2 = cache.namespace('tenant:2')
    await t1.set('a', 'a1', { tags: ['stock'] })
    await t1.set('b', 'b1', { tags: ['orders'] })
    await t2.set('a', 'a2', { tags: ['stock'] })
    await t1.expireTags(['stock'])
    expect(await t1.get('a')).toBeUndefined()
    expect(await t1.get('b')).toBe('b1')
    expect(await t2.get('a')).toBe('a2')
    expect(await t1.getOrSet('a', failing)).toBe('a1')
    expect(await t1.getOrSet('a', () => 'a1 reloaded', { tags: ['stock'] })).toBe('a1 reloaded')
    expect(await t1.get('a')).toBe('a1 reloaded')

    await t1.invalidateTags(['orders'])
    await expect(t1.getOrSet('b', failing)).rejects.toThrow('backend down')
  })

  it('lets the loader set the ttl, grace and tags of what it returns, or skip caching it', async () => {
    const cache = ctx.make({ ttl: '1h' })
    expect(
      await cache.getOrSet('token', (c) => {
        c.ttl = 300
        return 'short-lived'
      }),
    ).toBe('short-lived')
    await sleep(600)
    expect(await cache.get('token')).toBeUndefined()

    let calls = 0
    const empty = async (c: { skip(): void }) => {
      calls++
      c.skip()
      return [] as string[]
    }
    expect(await cache.getOrSet('rows', empty)).toEqual([])
    expect(await cache.getOrSet('rows', empty)).toEqual([])
    expect(calls).toBe(2)
    expect(await cache.get('rows')).toBeUndefined()

    await cache.getOrSet('supplier', (c) => {
      c.tags = ['supplier:9']
      return 'tagged by the loader'
    })
    expect(await cache.get('supplier')).toBe('tagged by the loader')
    await cache.invalidateTags(['supplier:9'])
    expect(await cache.get('supplier')).toBeUndefined()

    await cache.getOrSet('graced', (c) => {
      c.ttl = 100
      c.grace = '1m'
      return 'kept in grace'
    })
    await sleep(300)
    expect(await cache.getOrSet('graced', failing)).toBe('kept in grace')
  })

  it('after a loader fails and stale is served, does not call it again before the backoff', async () => {
    const events: CacheEvent[] = []
    const cache = ctx.make({ grace: '1m', failSafeBackoff: 400, onEvent: (e) => events.push(e) })
    await cache.set('report', 'old', { ttl: 50 })
    await sleep(150)
    let calls = 0
    const loader = async () => {
      calls++
      throw new Error('backend down')
    }
    const started = Date.now()
    for (let i = 0; i < 20; i++) expect(await cache.getOrSet('report', loader)).toBe('old')
    if (Date.now() - started < 350) expect(calls).toBe(1)
    expect(events.some((e) => e.type === 'stale' && e.reason === 'fail-safe')).toBe(true)
    await sleep(500)
    expect(await cache.getOrSet('report', loader)).toBe('old')
    expect(calls).toBeGreaterThanOrEqual(2)
    expect(await cache.getOrSet('report', () => 'new')).toBe('old')
    await sleep(500)
    expect(await cache.getOrSet('report', () => 'new')).toBe('new')
    expect(await cache.get('report')).toBe('new')
  })

  it('refreshAhead: a hit past the fraction returns at once and reloads once in the background', async () => {
    const cache = ctx.make({ refreshAhead: 0.5 })
    let loads = 0
    const loader = async () => {
      loads++
      await sleep(600)
      return `v${loads}`
    }
    expect(await cache.getOrSet('hot', loader, { ttl: 2_000 })).toBe('v1')
    await sleep(1_100)
    const started = Date.now()
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => cache.getOrSet('hot', loader, { ttl: 2_000 })),
    )
    // Nobody waited for the 600 ms loader.
    expect(Date.now() - started).toBeLessThan(500)
    expect(new Set(answers)).toEqual(new Set(['v1']))
    expect(await eventually(async () => (await cache.get('hot')) === 'v2')).toBe(true)
    expect(loads).toBe(2)
    expect(cache.stats().refreshes).toBe(1)
  })

  it('refreshAhead re-reads the store first: another instance that refreshed already wins', async () => {
    const prefix = ctx.unique('refresh')
    const a = ctx.make({ prefix, refreshAhead: 0.5 })
    const b = ctx.make({ prefix, refreshAhead: 0.5 })
    let loadsA = 0
    let loadsB = 0
    await a.getOrSet('k', () => `a${++loadsA}`, { ttl: 1_000 })
    expect(await b.getOrSet('k', () => `b${++loadsB}`, { ttl: 1_000 })).toBe('a1')
    await sleep(600)
    await a.getOrSet('k', () => `a${++loadsA}`, { ttl: 1_000 })
    expect(await eventually(async () => (await a.get('k')) === 'a2')).toBe(true)
    // b's own l1 copy (when it has l1) may answer first; its refresh then finds a2 in the store.
    expect(['a1', 'a2']).toContain(await b.getOrSet('k', () => `b${++loadsB}`, { ttl: 1_000 }))
    expect(await eventually(async () => (await b.get('k')) === 'a2')).toBe(true)
    expect(loadsB).toBe(0)
  })

  it("refreshAhead with lock: 'distributed' reloads once across instances", async () => {
    const prefix = ctx.unique('refresh-lock')
    const instances = [1, 2, 3].map(() => ctx.make({ prefix, refreshAhead: 0.5, lock: 'distributed' }))
    let loads = 0
    const loader = async () => {
      loads++
      await sleep(200)
      return `v${loads}`
    }
    await instances[0]!.getOrSet('k', loader, { ttl: 1_000 })
    await sleep(600)
    const answers = await Promise.all(
      instances.flatMap((c) => Array.from({ length: 5 }, () => c.getOrSet('k', loader, { ttl: 1_000 }))),
    )
    expect(new Set(answers)).toEqual(new Set(['v1']))
    expect(await eventually(async () => (await instances[2]!.get('k')) === 'v2')).toBe(true)
    expect(loads).toBe(2)
  })
}
