import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CacheStore } from '../types'
import { runIds, type StoreFactory, sleep } from './shared'

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
    it('reads and writes many keys at once, when it can', async () => {
      if (store.getMany) {
        await store.set(k('m1'), 'one', undefined)
        await store.set(k('m3'), 'three', 60_000)
        expect(await store.getMany([k('m1'), k('m2'), k('m3'), k('m1')])).toEqual([
          'one',
          undefined,
          'three',
          'one',
        ])
        expect(await store.getMany([])).toEqual([])
      }
      if (store.setMany) {
        await store.setMany([
          { key: k('s1'), value: 'a', ttlMs: undefined },
          { key: k('s2'), value: 'b', ttlMs: 300 },
          { key: k('s1'), value: 'last wins', ttlMs: 60_000 },
        ])
        expect(await store.get(k('s1'))).toBe('last wins')
        expect(await store.get(k('s2'))).toBe('b')
        await sleep(600)
        expect(await store.get(k('s2'))).toBeUndefined()
        await store.setMany([])
      }
    })
    it('replaces a value only if it still holds the expected one', async () => {
      if (!store.replace) return
      await store.set(k('cas'), 'v1', 60_000)
      expect(await store.replace(k('cas'), 'v0', 'nope', 60_000)).toBe(false)
      expect(await store.get(k('cas'))).toBe('v1')
      expect(await store.replace(k('cas'), 'v1', 'v2', 300)).toBe(true)
      expect(await store.get(k('cas'))).toBe('v2')
      expect(await store.replace(k('absent'), 'v1', 'v2', undefined)).toBe(false)
      expect(await store.get(k('absent'))).toBeUndefined()
      await sleep(600)
      expect(await store.get(k('cas'))).toBeUndefined()
    })
    it('lists live keys matching a glob, across pages, and nothing else', async () => {
      if (!store.scan) return
      const base = unique('scan')
      const written = Array.from({ length: 1_200 }, (_, i) => `${base}|user:${i}`)
      const chunk = 200
      for (let i = 0; i < written.length; i += chunk) {
        await Promise.all(written.slice(i, i + chunk).map((key) => store.set(key, 'v', 60_000)))
      }
      await store.set(`${base}|order:1`, 'o', undefined)
      await store.set(`${base}x|user:1`, 'other prefix', undefined)
      await store.set(`${base}|user:gone`, 'expires', 50)
      await sleep(150)
      const listed: string[] = []
      for await (const key of store.scan(`${base}|user:*`)) listed.push(key)
      // SCAN may return a key twice (while Redis rehashes); never one that does not match.
      expect([...new Set(listed)].sort()).toEqual([...written].sort())
      const few: string[] = []
      for await (const key of store.scan(`${base}|[o]rder:?`)) few.push(key)
      expect(few).toEqual([`${base}|order:1`])
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
