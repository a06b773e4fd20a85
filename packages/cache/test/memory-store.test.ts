import { describe, expect, it } from 'vitest'
import { createCache } from '../src/index'
import { memoryStore } from '../src/memory'
import { describeCache, describeCacheStore } from '../src/testing'

describeCacheStore({ name: 'memory', create: () => memoryStore() })
describeCache({ name: 'memory', create: () => memoryStore() })
describeCache({
  name: 'memory with l1',
  create: () => memoryStore(),
  cacheOptions: { l1: { maxEntries: 100 } },
})

describe('memoryStore', () => {
  it('evicts the least recently used entry past maxEntries', async () => {
    const store = memoryStore({ maxEntries: 3 })
    await store.set('a', '1', undefined)
    await store.set('b', '2', undefined)
    await store.set('c', '3', undefined)
    await store.get('a')
    await store.set('d', '4', undefined)
    expect(await store.get('b')).toBeUndefined()
    expect(await store.get('a')).toBe('1')
    expect(await store.get('d')).toBe('4')
  })

  it('sweeps expired entries on its timer', async () => {
    const store = memoryStore({ maxEntries: 10, sweepInterval: 20 })
    const cache = createCache({ store, prefix: 'sweep', storeTimeout: '5s' })
    for (let i = 0; i < 5; i++) await cache.set(`k${i}`, i, { ttl: 10 })
    await new Promise((r) => setTimeout(r, 100))
    // Entries past TTL are gone without being read: a new write evicts nothing live.
    expect(await store.deletePattern('*')).toBe(0)
    await cache.close()
  })

  it('rejects a bad size', () => {
    expect(() => memoryStore({ maxEntries: 0 })).toThrow(/maxEntries/)
  })
})
