import { toMs } from '../duration'
import { jsonSerializer } from '../entry'
import { asStoreError, CacheError } from '../errors'
import { KeySpace, validateSegment } from '../keys'
import { memoryStore } from '../memory'
import {
  type CacheOptions,
  type GetOrSetOptions,
  loaderTimeouts,
  toRefreshAhead,
  toTtl,
  validateOptions,
  validateTags,
} from '../options'
import type { CacheEvent, CacheStore } from '../types'
import { type Layer, StoreCircuitBreaker } from './circuit-breaker'
import { EntryIO, type WritePlan } from './entry-io'
import { FailSafe } from './fail-safe'
import type { LoadSettings } from './loader'
import { NearCache } from './near-cache'
import { NearCacheSync } from './near-cache-bus'
import { replayOutage } from './outage-replay'
import { RefreshAhead } from './refresh-ahead'
import { DistributedLock, LocalFlights } from './stampede-lock'
import { Counters } from './stats'

/** One call's resolved options. */
export interface CallPlan {
  /** As the caller gave them: a loader's context starts from these. */
  settings: LoadSettings
  /** As written when the loader leaves them alone. */
  write: WritePlan
  softMs: number | undefined
  hardMs: number | undefined
  /** Refresh-ahead fraction of the TTL; 0 off. */
  refreshAhead: number
}

// Defaults of options that are read here (documented on CacheOptions).
const DEFAULT_TTL = '5m'
const DEFAULT_L1_ENTRIES = 5_000
const DEFAULT_LOCK_TTL = '10s'
const DEFAULT_STORE_TIMEOUT = '50ms'
const DEFAULT_BULK_TIMEOUT = '30s'
const DEFAULT_PROBE_INTERVAL = '250ms'
const DEFAULT_MAX_OUTAGE_KEYS = 100_000
const DEFAULT_FAIL_SAFE_BACKOFF = '5s'

/** State shared by a cache and all its namespaces, and the pieces that act on it. */
export class CacheCore {
  readonly root: KeySpace
  readonly store: CacheStore
  readonly fallback: CacheStore | undefined
  readonly breaker: StoreCircuitBreaker
  readonly io: EntryIO
  readonly sync: NearCacheSync
  readonly l1: NearCache | undefined
  readonly counts = new Counters()
  readonly flights = new LocalFlights()
  readonly lock: DistributedLock | undefined
  readonly failSafe: FailSafe
  readonly refresh: RefreshAhead
  readonly defaults: {
    ttlMs: number
    graceMs: number
    jitter: number
    softMs: number | undefined
    hardMs: number | undefined
    refreshAhead: number
  }
  closed = false
  /** Whether anyone listens to events (hot paths skip building them otherwise). */
  readonly listening: boolean
  private readonly onEvent: ((event: CacheEvent) => void) | undefined

  constructor(options: CacheOptions) {
    validateOptions(options)
    const prefix = options.prefix ?? 'rc'
    validateSegment(prefix, 'prefix')
    this.root = new KeySpace([prefix])
    this.store = options.store ?? memoryStore()
    this.fallback = options.fallback
    this.onEvent = options.onEvent
    this.listening = options.onEvent !== undefined
    this.defaults = {
      ttlMs: toTtl(options.ttl ?? DEFAULT_TTL, 'ttl'),
      graceMs: toMs(options.grace ?? 0, 'grace'),
      jitter: options.jitter ?? 0,
      ...loaderTimeouts(options.timeout, {}),
      refreshAhead: options.refreshAhead ?? 0,
    }
    const l1 = options.l1 === true ? {} : options.l1 || undefined
    this.l1 = l1
      ? new NearCache(
          l1.maxEntries ?? DEFAULT_L1_ENTRIES,
          l1.ttl === undefined ? undefined : toMs(l1.ttl, 'l1.ttl'),
          l1.clone ?? false,
        )
      : undefined
    const emit = (event: CacheEvent) => this.emit(event)
    const rootPattern = this.root.subtreePattern()
    this.breaker = new StoreCircuitBreaker({
      primary: this.store,
      fallback: this.fallback,
      commandTimeoutMs: toMs(options.storeTimeout ?? DEFAULT_STORE_TIMEOUT, 'storeTimeout'),
      bulkTimeoutMs: toMs(options.bulkTimeout ?? DEFAULT_BULK_TIMEOUT, 'bulkTimeout'),
      probeIntervalMs: toMs(options.probeInterval ?? DEFAULT_PROBE_INTERVAL, 'probeInterval'),
      maxOutageKeys: options.maxOutageKeys ?? DEFAULT_MAX_OUTAGE_KEYS,
      emit,
      replay: (log, primary, fallback) => replayOutage(log, primary, fallback, this.io, rootPattern),
      // The fallback only ever serves the current outage: emptied when one
      // starts and when it ends (after the final replay pass, before any
      // write can reach it again).
      onTrip: () => this.resetFallback(rootPattern),
      onRecovered: () => {
        this.resetFallback(rootPattern)
        this.l1?.clear()
      },
    })
    this.sync = new NearCacheSync(this.l1, options.bus, emit)
    this.store.observe?.(emit)
    this.io = new EntryIO({
      breaker: this.breaker,
      serializer: options.serializer ?? jsonSerializer,
      sync: this.sync,
      counts: this.counts,
      emit,
      defaultGraceMs: this.defaults.graceMs,
    })
    this.lock =
      options.lock === 'distributed'
        ? new DistributedLock(this.breaker, toMs(options.lockTtl ?? DEFAULT_LOCK_TTL, 'lockTtl'))
        : undefined
    this.failSafe = new FailSafe(
      toMs(options.failSafeBackoff ?? DEFAULT_FAIL_SAFE_BACKOFF, 'failSafeBackoff'),
    )
    this.refresh = new RefreshAhead(this)
  }

  private resetFallback(rootPattern: string): void {
    const fallback = this.fallback
    fallback
      ?.deletePattern(rootPattern)
      .catch((error) => this.emit({ type: 'error', error: asStoreError(fallback.name, error) }))
  }

  emit(event: CacheEvent): void {
    if (event.type === 'error') this.counts.errors++
    else if (event.type === 'unreplicated') this.counts.unreplicated++
    if (!this.onEvent) return
    try {
      this.onEvent(event)
    } catch {
      // A faulty listener must not break cache calls.
    }
  }

  assertOpen(): void {
    if (this.closed) throw new CacheError('CACHE_CLOSED', 'this cache was closed; create a new one.')
  }

  plan(options: GetOrSetOptions<unknown>): CallPlan {
    const tags = validateTags(options.tags)
    const ttlMs = this.jittered(options.ttl === undefined ? this.defaults.ttlMs : toTtl(options.ttl, 'ttl'))
    const refreshAhead = toRefreshAhead(options.refreshAhead, this.defaults.refreshAhead)
    return {
      settings: { ttl: options.ttl, grace: options.grace, tags },
      write: {
        ttlMs,
        graceMs: options.grace === undefined ? this.defaults.graceMs : toMs(options.grace, 'grace'),
        tags,
        stampWrite: refreshAhead > 0,
      },
      ...loaderTimeouts(options.timeout, this.defaults),
      refreshAhead,
    }
  }

  /** The write plan after a loader had its say through its context. */
  planAfterLoad(context: LoadSettings, plan: CallPlan): WritePlan {
    const { settings, write } = plan
    if (
      context.ttl === settings.ttl &&
      context.grace === settings.grace &&
      sameTags(context.tags, settings.tags)
    )
      return write
    return {
      ttlMs:
        context.ttl === settings.ttl
          ? write.ttlMs
          : this.jittered(context.ttl === undefined ? this.defaults.ttlMs : toTtl(context.ttl, 'loader ttl')),
      graceMs: context.grace === undefined ? this.defaults.graceMs : toMs(context.grace, 'loader grace'),
      tags: validateTags(context.tags),
      stampWrite: write.stampWrite,
    }
  }

  private jittered(ttlMs: number): number {
    if (this.defaults.jitter === 0 || !Number.isFinite(ttlMs)) return ttlMs
    return Math.max(1, Math.round(ttlMs * (1 - Math.random() * this.defaults.jitter)))
  }

  /** A hit from a store (l1 counts its own hits). */
  hit(space: KeySpace, key: string, layer: 'l1' | Layer): void {
    if (layer !== 'l1') this.counts.hits++
    if (this.onEvent) this.emit({ type: 'hit', key: space.key(key), layer })
  }

  miss(stored: string): void {
    this.counts.misses++
    if (this.onEvent) this.emit({ type: 'miss', key: stored })
  }

  serveStale(stored: string, reason: NonNullable<CacheEvent['reason']>, error?: unknown): void {
    this.counts.staleServed++
    this.emit({ type: 'stale', key: stored, reason, error })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.breaker.close()
    // An l1 hit skips the closed check; an empty l1 sends every call to one that makes it.
    this.l1?.clear()
    await Promise.allSettled([this.sync.close(), this.store.close?.(), this.fallback?.close?.()])
  }
}

function sameTags(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true
  if (!a || !b || a.length !== b.length) return (a?.length ?? 0) === 0 && (b?.length ?? 0) === 0
  return a.every((tag, i) => tag === b[i])
}
