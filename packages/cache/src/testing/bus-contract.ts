import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { type Cache, createCache } from '../cache'
import { memoryStore } from '../memory'
import type { BusMessage, CacheBus } from '../types'
import { eventually, runIds, sleep } from './shared'

/** How the bus suite gets buses that hear each other, and how it breaks their transport. */
export interface BusFactory {
  /** Shown in test names. */
  name: string
  /** A new bus instance; every instance from one factory shares a channel. */
  create(): CacheBus | Promise<CacheBus>
  /**
   * Drops the transport under every bus (server restart, killed connections) and resolves once it
   * may reconnect. Buses that cannot disconnect leave it out, and the reconnect tests do not run.
   */
  reconnect?(): Promise<void>
  /** Runs after the suite (quit clients, stop servers). */
  cleanup?(): void | Promise<void>
}

// Delivery is asynchronous; generous so a loaded machine does not flake it.
const DELIVERY_MS = 5_000
// How long to wait for a message that must not arrive.
const SILENCE_MS = 300
// A reconnect (server restart, ioredis backoff) on a loaded machine.
const RECONNECT_MS = 20_000

interface Listening {
  bus: CacheBus
  received: BusMessage[]
  reconnects: number
}

/**
 * The bus contract: every `CacheBus` must pass it. Messages reach every other
 * instance, intact and not the sender; a closed bus hears nothing; a bus
 * whose transport drops reports it (its cache drops l1) and delivers again
 * once back; and through caches, a write on one instance drops another's l1.
 */
export function describeCacheBus(factory: BusFactory): void {
  describe(`CacheBus contract: ${factory.name}`, () => {
    const open: CacheBus[] = []
    const caches: Cache[] = []
    const { unique } = runIds()
    afterEach(async () => {
      await Promise.all(caches.splice(0).map((c) => c.close()))
      await Promise.all(open.splice(0).map((b) => b.close()))
    })
    afterAll(async () => {
      await factory.cleanup?.()
    })

    async function listen(): Promise<Listening> {
      const bus = await factory.create()
      open.push(bus)
      const listening: Listening = { bus, received: [], reconnects: 0 }
      await bus.subscribe(
        (message) => listening.received.push(message),
        () => listening.reconnects++,
      )
      return listening
    }

    /** Publishes until `to` hears it (a subscription may take a moment to reach the server). */
    async function deliveredAfterReconnect(from: CacheBus, to: Listening, key: string): Promise<boolean> {
      return eventually(() => {
        from.publish({ type: 'keys', keys: [key] })
        return to.received.some((m) => m.type === 'keys' && m.keys.includes(key))
      }, RECONNECT_MS)
    }

    /** Until a write on `a` drops `b`'s l1 copy (a bus subscription may take a moment to land). */
    async function coherent(a: Cache, b: Cache, timeoutMs: number): Promise<boolean> {
      let n = 0
      return eventually(async () => {
        await a.set('probe', `probe-${n++}`)
        await b.get('probe') // now in b's l1
        const value = `probe-${n++}`
        await a.set('probe', value)
        await sleep(20)
        return (await b.get('probe')) === value
      }, timeoutMs)
    }

    it('delivers keys, pattern and tags messages intact to every other instance', async () => {
      const [a, b, c] = [await listen(), await listen(), await listen()]
      const messages: BusMessage[] = [
        { type: 'keys', keys: [unique('k1'), 'p|ns||k é|%7C'] },
        { type: 'pattern', pattern: `${unique('p')}|*` },
        { type: 'tags', tags: [unique('t1'), unique('t2')] },
      ]
      for (const m of messages) a.bus.publish(m)
      expect(await eventually(() => b.received.length >= 3 && c.received.length >= 3, DELIVERY_MS)).toBe(true)
      expect(b.received).toEqual(messages)
      expect(c.received).toEqual(messages)
    })

    it('does not deliver to the instance that published', async () => {
      const [a, b] = [await listen(), await listen()]
      a.bus.publish({ type: 'keys', keys: [unique('mine')] })
      expect(await eventually(() => b.received.length === 1, DELIVERY_MS)).toBe(true)
      await sleep(SILENCE_MS)
      expect(a.received).toEqual([])
    })

    it('a closed bus hears nothing more, and publishing on it is a no-op', async () => {
      const [a, b] = [await listen(), await listen()]
      await b.bus.close()
      a.bus.publish({ type: 'keys', keys: [unique('after-close')] })
      expect(() => b.bus.publish({ type: 'keys', keys: ['x'] })).not.toThrow()
      await sleep(SILENCE_MS)
      expect(b.received).toEqual([])
    })

    it('through caches: a set, delete or tag invalidation on one drops the others’ l1 copies', async () => {
      const store = memoryStore()
      const prefix = unique('cache')
      const make = async () => {
        const bus = await factory.create()
        open.push(bus)
        const cache = createCache({ store, prefix, l1: true, bus, storeTimeout: '5s' })
        caches.push(cache)
        return cache
      }
      const [a, b] = [await make(), await make()]
      // The caches subscribe in their constructors: wait until that has landed.
      expect(await coherent(a, b, DELIVERY_MS)).toBe(true)
      await a.set('k', 'v1', { tags: ['t'] })
      expect(await b.get('k')).toBe('v1')
      await a.set('k', 'v2', { tags: ['t'] })
      expect(await eventually(async () => (await b.get('k')) === 'v2', DELIVERY_MS)).toBe(true)
      await a.invalidateTags(['t'])
      expect(await eventually(async () => (await b.get('k')) === undefined, DELIVERY_MS)).toBe(true)
      await b.set('k', 'v3')
      expect(await a.get('k')).toBe('v3')
      await b.delete('k')
      expect(await eventually(async () => (await a.get('k')) === undefined, DELIVERY_MS)).toBe(true)
    })

    // Buses that cannot disconnect (memoryBus) have no reconnect cases at all, rather than skipped ones.
    if (factory.reconnect) {
      it(
        'after its transport drops and comes back, it reports the gap and delivers again',
        async () => {
          const [a, b] = [await listen(), await listen()]
          a.bus.publish({ type: 'keys', keys: [unique('before')] })
          expect(await eventually(() => b.received.length === 1, DELIVERY_MS)).toBe(true)
          await factory.reconnect!()
          // Both directions: each side's subscription is renewed, not only its publisher.
          expect(await deliveredAfterReconnect(a.bus, b, unique('a-to-b'))).toBe(true)
          expect(await deliveredAfterReconnect(b.bus, a, unique('b-to-a'))).toBe(true)
          expect(b.reconnects).toBeGreaterThan(0)
          expect(a.reconnects).toBeGreaterThan(0)
        },
        RECONNECT_MS * 3,
      )

      it(
        'through caches: after a reconnect l1 copies are dropped and invalidations flow again',
        async () => {
          const store = memoryStore()
          const prefix = unique('reconnect')
          const busA = await factory.create()
          const busB = await factory.create()
          open.push(busA, busB)
          const a = createCache({ store, prefix, l1: true, bus: busA, storeTimeout: '5s' })
          const b = createCache({ store, prefix, l1: true, bus: busB, storeTimeout: '5s' })
          caches.push(a, b)
          await a.set('k', 'v1')
          expect(await b.get('k')).toBe('v1')
          // A cache without a bus writes behind b's back, as a peer would while the bus is down.
          const silent = createCache({ store, prefix, storeTimeout: '5s' })
          caches.push(silent)
          expect(await coherent(a, b, DELIVERY_MS)).toBe(true)
          await a.set('k', 'v1')
          expect(await b.get('k')).toBe('v1')
          await factory.reconnect!()
          await silent.set('k', 'v0')
          // b's l1 must not keep v1 once its bus is back: messages were missed.
          expect(await eventually(async () => (await b.get('k')) === 'v0', RECONNECT_MS)).toBe(true)
          // And invalidations reach b again.
          expect(await coherent(a, b, RECONNECT_MS)).toBe(true)
        },
        RECONNECT_MS * 3,
      )
    }
  })
}
