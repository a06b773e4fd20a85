import { randomBytes } from 'node:crypto'
import type { Cache } from '../cache'
import type { CacheOptions } from '../options'
import type { CacheStore } from '../types'

/** How a suite gets a fresh store, and how it is torn down. */
export interface StoreFactory {
  /** Shown in test names. */
  name: string
  create(): CacheStore | Promise<CacheStore>
  /** Runs after the suite (close pools, stop servers). */
  cleanup?(): void | Promise<void>
}

export interface CacheSuiteOptions extends StoreFactory {
  /** Extra createCache options (l1, bus...). */
  cacheOptions?: Omit<CacheOptions, 'store' | 'prefix'>
}

/** What each section of the cache suite gets. */
export interface SuiteContext {
  /** The suite's store (valid inside tests). */
  store(): CacheStore
  /** A cache with a fresh prefix over the suite's store (or `options.store`), closed after the suite. */
  make(options?: CacheOptions): Cache
  /** A name unique to this run (prefixes, keys on a shared server). */
  unique(label: string): string
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Every key a suite writes starts with its run id, so it can remove them all on a shared server. */
export function runIds(): { run: string; unique: (label: string) => string } {
  const run = `rc-suite-${randomBytes(4).toString('hex')}`
  return { run, unique: (label: string) => `${run}-${label}-${randomBytes(4).toString('hex')}` }
}

/** Polls until `check` holds or `timeoutMs` passes (generous bounds: the machine may be loaded). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(10)
  }
  return check()
}
