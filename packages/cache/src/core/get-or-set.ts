import { trace } from '@rc/internal'
import { loaderFailure } from '../errors'
import type { KeySpace } from '../keys'
import type { LoaderContext } from '../options'
import { type CacheGetOrSetContext, tracers } from '../tracing'
import type { Schema } from '../types'
import type { Layer } from './circuit-breaker'
import type { CacheCore, CallPlan } from './core'
import type { Found } from './entry-io'
import { awaitLoad, startLoad, type WaitHooks } from './loader'
import type { Release } from './stampede-lock'

type Loader<T> = (context: LoaderContext<T>) => T | Promise<T>

const noRelease: Release = async () => {}

/** The traced context of the call that started each flight: joiners copy its outcome. */
const flightReports = new WeakMap<Promise<unknown>, CacheGetOrSetContext>()

/**
 * `getOrSet` past l1: one flight per key in this process; the flight reads
 * the store, and on a miss (or a stale entry) runs the loader, under the
 * distributed lock when there is one.
 */
export function getOrSetFromStore<T>(
  core: CacheCore,
  space: KeySpace,
  key: string,
  loader: Loader<T>,
  plan: CallPlan,
  schema: Schema<unknown> | undefined,
  report?: CacheGetOrSetContext,
): Promise<T> {
  const stored = space.key(key)
  if (!report)
    return core.flights.join(stored, () =>
      fetchOrLoad(core, space, key, stored, loader, plan, schema, undefined),
    )
  let started = false
  const flight = core.flights.join(stored, () => {
    started = true
    report.loaded = false
    report.coalesced = false
    return fetchOrLoad(core, space, key, stored, loader, plan, schema, report)
  })
  if (started) {
    flightReports.set(flight, report)
    return flight
  }
  report.loaded = false
  report.coalesced = true
  const copy = () => {
    const leader = flightReports.get(flight)
    if (leader) {
      report.outcome = leader.outcome
      report.layer = leader.layer
    }
  }
  return flight.then(
    (value) => {
      copy()
      return value
    },
    (error) => {
      copy()
      throw error
    },
  )
}

async function fetchOrLoad<T>(
  core: CacheCore,
  space: KeySpace,
  key: string,
  stored: string,
  loader: Loader<T>,
  plan: CallPlan,
  schema: Schema<unknown> | undefined,
  report: CacheGetOrSetContext | undefined,
): Promise<T> {
  const epoch = core.l1?.epoch
  const found = await core.io.read(stored, schema)
  if (found?.fresh) {
    if (report) reportAs(report, 'hit', found.layer)
    core.hit(space, key, found.layer)
    fillL1(core, space, key, found, epoch)
    const { writtenAt, expiresAt } = found.entry
    core.refresh.consider(space, key, writtenAt, expiresAt, loader, plan, schema)
    return found.entry.value as T
  }
  const stale = found ? { value: found.entry.value as T } : undefined
  if (stale && core.failSafe.backingOff(stored)) {
    if (report) reportAs(report, 'stale', found?.layer)
    core.serveStale(stored, 'fail-safe')
    return stale.value
  }
  if (stale && core.flights.inBackground(stored)) {
    if (report) reportAs(report, 'stale', found?.layer)
    core.serveStale(stored, 'soft-timeout')
    return stale.value
  }
  if (report) reportAs(report, 'miss', undefined)
  core.miss(stored)
  let release = noRelease
  if (core.lock) {
    const outcome = await core.lock.acquire<T>(space, stored, {
      read: () => core.io.read(stored, schema),
      onHit: (again) => {
        if (report) reportAs(report, 'hit', again.layer)
        core.hit(space, key, again.layer)
      },
      onStale: (reason) => {
        if (report) reportAs(report, 'stale', found?.layer)
        core.serveStale(stored, reason)
      },
      stale,
      softMs: plan.softMs,
      hardMs: plan.hardMs,
    })
    if ('value' in outcome) return outcome.value
    release = outcome.release
  }
  if (report) report.loaded = true
  return load(core, space, key, stored, loader, plan, stale, release, epoch, found?.layer, report)
}

function reportAs(report: CacheGetOrSetContext, outcome: 'hit' | 'miss' | 'stale', layer: Layer | undefined) {
  report.outcome = outcome
  report.layer = layer
}

/** Runs the loader, inside an `rc:cache:load` trace when someone listens. */
export function runLoader<T, C>(
  space: KeySpace,
  key: string,
  loader: (context: C) => T | Promise<T>,
  context: C,
) {
  if (!tracers.load.hasSubscribers) return loader(context)
  return trace(tracers.load, { namespace: space.path, key }, async () => loader(context))
}

function load<T>(
  core: CacheCore,
  space: KeySpace,
  key: string,
  stored: string,
  loader: Loader<T>,
  plan: CallPlan,
  stale: { value: T } | undefined,
  release: Release,
  epoch: number | undefined,
  staleLayer: Layer | undefined,
  report: CacheGetOrSetContext | undefined,
): Promise<T> {
  core.counts.loads++
  core.emit({ type: 'load', key: stored })
  let snapshot: Awaited<ReturnType<typeof core.io.snapshotTags>>
  const run = startLoad(
    plan.settings,
    stale?.value,
    async (context) => {
      snapshot = await core.io.snapshotTags(space, plan.write.tags)
      return runLoader(space, key, loader, context as LoaderContext<T>)
    },
    (value, context) =>
      core.io.write(space, key, value, core.planAfterLoad(context, plan), { snapshot, l1Epoch: epoch }),
    release,
  )
  const hooks = waitHooks(core, stored, run.completion)
  if (report) {
    const servedStale = hooks.servedStale
    hooks.servedStale = (reason, error) => {
      reportAs(report, 'stale', staleLayer)
      servedStale(reason, error)
    }
  }
  return awaitLoad(stored, run, plan, stale, hooks)
}

/** How a caller's wait for a load reports to the cache (events, fail-safe, background tracking). */
export function waitHooks(core: CacheCore, stored: string, completion: Promise<unknown>): WaitHooks {
  return {
    servedStale: (reason, error) => core.serveStale(stored, reason, error),
    continueInBackground: () =>
      core.flights.runInBackground(stored, completion, (error) =>
        core.emit({ type: 'error', key: stored, error: loaderFailure(stored, error) }),
      ),
    failed: () => core.failSafe.loadFailed(stored),
    succeeded: () => core.failSafe.loadSucceeded(stored),
  }
}

/** Puts a value read from the store into l1, unless an invalidation arrived since the read began. */
export function fillL1(
  core: CacheCore,
  space: KeySpace,
  key: string,
  found: Found,
  epoch: number | undefined,
): void {
  const l1 = core.l1
  if (!l1 || epoch !== l1.epoch) return
  const { value, expiresAt, writtenAt, tags } = found.entry
  l1.set(
    space.base,
    key,
    value,
    expiresAt,
    tags?.map((t) => t[0]),
    writtenAt,
  )
}
