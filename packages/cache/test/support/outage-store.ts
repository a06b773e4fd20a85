import type { CacheStore } from '../../src/index'

/**
 * Our own interface, failing on demand: every call rejects while `down` (the chaos store of
 * STYLE.md), so memory-backed tests can reach the fallback layer.
 */
export function outageStore(inner: CacheStore): CacheStore & { down: boolean } {
  const state = { down: false }
  return new Proxy(inner as CacheStore & { down: boolean }, {
    get(target, prop, receiver) {
      if (prop === 'down') return state.down
      if (prop === 'isReady') return () => !state.down
      const member = Reflect.get(target, prop, receiver)
      if (typeof member !== 'function' || prop === 'close') return member
      return (...args: unknown[]) =>
        state.down ? Promise.reject(new Error('store unreachable')) : member.apply(target, args)
    },
    set(_target, prop, v) {
      if (prop !== 'down') return false
      state.down = v
      return true
    },
  })
}
