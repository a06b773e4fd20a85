import { CacheCore } from './core/core'
import type { ManyLoader } from './core/get-or-set-many'
import { CacheView } from './core/namespace-view'
import type { CacheStats } from './core/stats'
import type {
  CacheOptions,
  GetOptions,
  GetOrSetOptions,
  LoaderContext,
  SetManyEntry,
  SetOptions,
} from './options'

export type { ManyLoaded, ManyLoader } from './core/get-or-set-many'
export type { CacheStats }

/** One cache API over any store. `namespace()` returns a view with its own key space and tags. */
export interface Cache {
  get<T = unknown>(key: string, options?: GetOptions<T>): Promise<T | undefined>
  set(key: string, value: unknown, options?: SetOptions): Promise<void>
  /**
   * The cached value, or the loader's (stored, then returned). One loader run per key however many
   * callers miss at once. The loader's context can set `ttl`, `grace` and `tags`, or `skip()`.
   */
  getOrSet<T>(
    key: string,
    loader: (context: LoaderContext<T>) => T | Promise<T>,
    options?: GetOrSetOptions<T>,
  ): Promise<T>
  has(key: string): Promise<boolean>
  /** Deletes keys; resolves to how many existed in the store. */
  delete(...keys: string[]): Promise<number>
  /** Deletes this namespace's keys matching a glob (`*`, `?`, `[a-z]`); SCAN, never KEYS. */
  deletePattern(pattern: string): Promise<number>
  /**
   * Invalidates every entry of this namespace (or of the root, called on the root cache) carrying
   * one of the tags. Other namespaces' entries with the same tag names are untouched.
   */
  invalidateTags(tags: string[]): Promise<void>
  /** Invalidates the tags in every namespace of the prefix: the explicit cross-namespace call. */
  invalidateTagsEverywhere(tags: string[]): Promise<void>
  /**
   * Soft expiry: the entries turn stale now but stay for their grace, so a failing or slow loader
   * can still fall back on them; `get` misses them. Resolves to how many were fresh.
   */
  expire(...keys: string[]): Promise<number>
  /** Soft expiry of every entry of this namespace carrying one of the tags (see `expire`). */
  expireTags(tags: string[]): Promise<void>
  /** Values of many keys in order (undefined for misses): one store round trip. */
  getMany<T = unknown>(keys: string[], options?: GetOptions<T>): Promise<(T | undefined)[]>
  /** Writes many values in one store round trip; `options` apply to entries that do not set their own. */
  setMany(entries: SetManyEntry[], options?: SetOptions): Promise<void>
  /** `delete` for an array of keys. */
  deleteMany(keys: string[]): Promise<number>
  /**
   * `getOrSet` for many keys: one store read, then one `loadMissing` call with every missing key
   * (values in order, or a Map by key; undefined is returned and not cached). Stampede-protected
   * per key.
   */
  getOrSetMany<T>(
    keys: string[],
    loadMissing: ManyLoader<T>,
    options?: GetOrSetOptions<T>,
  ): Promise<(T | undefined)[]>
  /** This namespace's keys matching a glob (default every key), listed with SCAN or an index scan. */
  keys(pattern?: string): AsyncIterable<string>
  /** Deletes every key of this prefix or namespace, nested namespaces included. */
  clear(): Promise<void>
  namespace(name: string): Cache
  stats(): CacheStats
  /** Stops timers and the bus subscription; never closes clients you passed in. */
  close(): Promise<void>
}

/** Creates a cache. See the package README for every option and guarantee. */
export function createCache(options: CacheOptions = {}): Cache {
  const core = new CacheCore(options)
  return new CacheView(core, core.root)
}
