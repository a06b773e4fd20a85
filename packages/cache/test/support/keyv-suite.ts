import keyvTestSuite from '@keyv/test-suite'
import { createCache as createCacheManager } from 'cache-manager'
import Keyv from 'keyv'
import * as vitest from 'vitest'
import type { Cache } from '../../src/index'
import { keyvStore } from '../../src/keyv'

const { describe, expect, it } = vitest

/**
 * Keyv's published store compliance suite (`@keyv/test-suite`) against
 * `keyvStore(cache)`, then what Keyv's suite does not reach: the iterator,
 * and cache-manager v7 on top.
 */
export function describeKeyvStore(name: string, cache: () => Cache): void {
  describe(`@keyv/test-suite: keyvStore over ${name}`, () => {
    keyvTestSuite(vitest, Keyv, () => keyvStore(cache()))
  })

  describe(`keyvStore over ${name}`, () => {
    it('lists a Keyv namespace with iterator(), and nothing of another', async () => {
      const store = keyvStore(cache())
      const a = new Keyv({ store, namespace: 'iter-a' })
      await a.clear()
      await Promise.all([a.set('1', 'one'), a.set('2', 'two')])
      const b = new Keyv({ store: keyvStore(cache()), namespace: 'iter-b' })
      await b.set('1', 'other namespace')
      const seen = new Map<string, unknown>()
      for await (const [key, raw] of store.iterator('iter-a')) seen.set(key, raw)
      expect([...seen.keys()].sort()).toEqual(['iter-a:1', 'iter-a:2'])
      // Values are Keyv's own serialized records.
      expect(JSON.parse(seen.get('iter-a:1') as string).value).toBe('one')
    })

    it('serves cache-manager v7 through Keyv, values landing in the @rc/cache store', async () => {
      const manager = createCacheManager({ stores: [new Keyv({ store: keyvStore(cache()) })] })
      let loads = 0
      const load = async () => {
        loads++
        return { id: 7, name: 'Fresh fish' }
      }
      expect(await manager.wrap('supplier:7', load, 60_000)).toEqual({ id: 7, name: 'Fresh fish' })
      expect(await manager.wrap('supplier:7', load, 60_000)).toEqual({ id: 7, name: 'Fresh fish' })
      expect(loads).toBe(1)
      expect(await manager.get('supplier:7')).toEqual({ id: 7, name: 'Fresh fish' })
      expect(JSON.parse((await cache().get<string>('keyv:supplier:7'))!).value).toEqual({
        id: 7,
        name: 'Fresh fish',
      })
      await manager.del('supplier:7')
      expect(await cache().get('keyv:supplier:7')).toBeUndefined()
    })

    it('rejects what is not a cache', () => {
      expect(() => keyvStore({} as Cache)).toThrow(/createCache/)
    })
  })
}
