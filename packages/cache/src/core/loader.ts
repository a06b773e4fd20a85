import type { Duration } from '../duration'
import { CacheTimeoutError } from '../errors'
import type { LoaderContext } from '../options'

/** What a call asked for; a loader may change it for the value it returns. */
export interface LoadSettings {
  ttl: Duration | undefined
  grace: Duration | undefined
  tags: string[] | undefined
}

/** The context a loader receives (see `LoaderContext`). */
export class LoadContext<S> implements Omit<LoaderContext<unknown>, 'stale'> {
  readonly signal: AbortSignal
  readonly stale: S
  ttl: Duration | undefined
  grace: Duration | undefined
  tags: string[] | undefined
  skipped = false

  constructor(signal: AbortSignal, stale: S, settings: LoadSettings) {
    this.signal = signal
    this.stale = stale
    this.ttl = settings.ttl
    this.grace = settings.grace
    this.tags = settings.tags && [...settings.tags]
  }

  skip(): void {
    this.skipped = true
  }
}

/** A loader started by the cache: `completion` settles once its value is stored (or skipped). */
export interface RunningLoad<V> {
  completion: Promise<V>
  controller: AbortController
}

/**
 * Runs `load` with a fresh context, then `save` unless the loader skipped or
 * returned undefined, then `release` (the distributed lock) whatever happened.
 */
export function startLoad<V, S>(
  settings: LoadSettings,
  stale: S,
  load: (context: LoadContext<S>) => V | Promise<V>,
  save: (value: V, context: LoadContext<S>) => Promise<void>,
  release: () => Promise<void>,
): RunningLoad<V> {
  const controller = new AbortController()
  const context = new LoadContext(controller.signal, stale, settings)
  const completion = (async () => {
    try {
      const value = await load(context)
      if (value !== undefined && !context.skipped) await save(value, context)
      return value
    } finally {
      await release().catch(() => {})
    }
  })()
  return { completion, controller }
}

export interface WaitHooks {
  /** A stale value was served in place of the loader's. */
  servedStale(reason: 'loader-error' | 'soft-timeout' | 'hard-timeout', error?: unknown): void
  /** The caller was answered before the load finished: it goes on without a caller. */
  continueInBackground(): void
  /** The load failed or passed its hard timeout and a stale value stood in (fail-safe backoff starts). */
  failed(): void
  succeeded(): void
}

/**
 * What one caller gets from a running load within its timeouts: the loaded
 * value; past `softMs` the stale value (the load goes on and stores its late
 * result); past `hardMs` the stale value or a `CacheTimeoutError` (the
 * loader's signal aborts); on a loader error the stale value, or the error.
 */
export function awaitLoad<V>(
  key: string,
  run: { completion: Promise<V>; controller: AbortController },
  deadlines: { softMs: number | undefined; hardMs: number | undefined },
  stale: { value: V } | undefined,
  hooks: WaitHooks,
): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    let settled = false
    let soft: NodeJS.Timeout | undefined
    let hard: NodeJS.Timeout | undefined
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(soft)
      clearTimeout(hard)
      fn()
    }
    run.completion.then(
      (value) =>
        settle(() => {
          hooks.succeeded()
          resolve(value)
        }),
      (error) =>
        settle(() => {
          if (!stale) return reject(error)
          hooks.failed()
          hooks.servedStale('loader-error', error)
          resolve(stale.value)
        }),
    )
    if (stale && deadlines.softMs !== undefined) {
      soft = setTimeout(
        () =>
          settle(() => {
            hooks.continueInBackground()
            hooks.servedStale('soft-timeout')
            resolve(stale.value)
          }),
        deadlines.softMs,
      )
    }
    if (deadlines.hardMs !== undefined) {
      const hardMs = deadlines.hardMs
      hard = setTimeout(
        () =>
          settle(() => {
            const timeout = new CacheTimeoutError(key, hardMs)
            run.controller.abort(timeout)
            hooks.continueInBackground()
            if (!stale) return reject(timeout)
            hooks.failed()
            hooks.servedStale('hard-timeout')
            resolve(stale.value)
          }),
        hardMs,
      )
    }
  })
}
