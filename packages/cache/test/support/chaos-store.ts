import type { CacheStore } from '../../src/index'

type KeyMatch = (storedKey: string) => boolean

/** Controls of a chaos store (see `chaosStore`). */
export interface Chaos {
  /** While true every call rejects and `isReady` is false: the store is unreachable. */
  down: boolean
  /**
   * The next write (`set` or `delete`) of a matching key reaches the store only after `ms`, as
   * when a client retries a command through a failover after the cache gave up on it. Resolves
   * when that write is issued.
   */
  holdNext(match: KeyMatch, ms: number): Promise<void>
  /** The next write of a matching key rejects. */
  failNext(match: KeyMatch): void
  /** `generation()` changes: the client now talks to a server it did not before (a promoted replica). */
  serverChanged(): void
}

/**
 * Our own interface, misbehaving on demand (the chaos store of STYLE.md) around a real store:
 * unreachable, a write delivered late or failed, a server change noticed.
 */
export function chaosStore(inner: CacheStore): CacheStore & Chaos {
  let down = false
  let generationOffset = 0
  const holds: { match: KeyMatch; ms: number; issued: () => void }[] = []
  const failures: { match: KeyMatch }[] = []
  const take = <T extends { match: KeyMatch }>(list: T[], keys: string[]): T | undefined => {
    const i = list.findIndex((entry) => keys.some((key) => entry.match(key)))
    return i < 0 ? undefined : list.splice(i, 1)[0]
  }
  const write =
    <A extends unknown[], R>(keysOf: (...args: A) => string[], call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (down) throw new Error('store unreachable')
      const keys = keysOf(...args)
      if (take(failures, keys)) throw new Error('write failed')
      const hold = take(holds, keys)
      if (hold) {
        hold.issued()
        await new Promise((r) => setTimeout(r, hold.ms))
      }
      return call(...args)
    }
  const controls: Chaos = {
    get down() {
      return down
    },
    set down(value: boolean) {
      down = value
    },
    holdNext: (match, ms) => new Promise((issued) => holds.push({ match, ms, issued })),
    failNext: (match) => {
      failures.push({ match })
    },
    serverChanged: () => {
      generationOffset++
    },
  }
  const overrides: Partial<CacheStore> = {
    set: write(
      (key: string, _value: string, _ttlMs: number | undefined) => [key],
      (key: string, value: string, ttlMs: number | undefined) => inner.set(key, value, ttlMs),
    ),
    delete: write(
      (keys: string[]) => keys,
      (keys: string[]) => inner.delete(keys),
    ),
    isReady: () => !down && (inner.isReady?.() ?? true),
    ...(inner.generation ? { generation: () => inner.generation!() + generationOffset } : {}),
  }
  return new Proxy(inner as CacheStore & Chaos, {
    get(target, prop, receiver) {
      if (prop in controls) return Reflect.get(controls, prop)
      if (prop in overrides) return overrides[prop as keyof CacheStore]
      const member = Reflect.get(target, prop, receiver)
      if (typeof member !== 'function' || prop === 'close') return member
      return (...args: unknown[]) =>
        down ? Promise.reject(new Error('store unreachable')) : member.apply(target, args)
    },
    set(_target, prop, value) {
      if (prop !== 'down') return false
      down = value
      return true
    },
  })
}
