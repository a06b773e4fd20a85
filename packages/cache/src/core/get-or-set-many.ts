import { CacheError } from '../errors'
import type { KeySpace } from '../keys'
import type { ManyLoaderContext } from '../options'
import type { Schema } from '../types'
import type { CacheCore, CallPlan } from './core'
import { fillL1, waitHooks } from './get-or-set'
import { awaitLoad, startLoad } from './loader'
import type { Release } from './stampede-lock'

/** What `getOrSetMany`'s loader returns: values in the order of the keys it got, or a map by key. */
export type ManyLoaded<T> = readonly (T | undefined)[] | ReadonlyMap<string, T>

export type ManyLoader<T> = (
  keys: string[],
  context: ManyLoaderContext<T>,
) => ManyLoaded<T> | Promise<ManyLoaded<T>>

interface Missing<T> {
  key: string
  stored: string
  stale: { value: T } | undefined
  resolve(value: T | undefined): void
  reject(error: unknown): void
}

const noRelease: Release = async () => {}

/**
 * `getOrSetMany` past l1: one store read for every key, then one loader call
 * for all the misses. Stampede protection stays per key: a key another
 * caller is already loading is joined, and the keys loaded here are flights
 * that concurrent `getOrSet` calls join.
 */
export async function getOrSetManyFromStore<T>(
  core: CacheCore,
  space: KeySpace,
  keys: string[],
  results: (T | undefined)[],
  loadMissing: ManyLoader<T>,
  plan: CallPlan,
  schema: Schema<unknown> | undefined,
): Promise<(T | undefined)[]> {
  const slots = new Map<string, number[]>()
  for (let i = 0; i < keys.length; i++) {
    if (results[i] !== undefined) continue
    const key = keys[i]!
    const list = slots.get(key)
    if (list) list.push(i)
    else slots.set(key, [i])
  }
  const waits: Promise<void>[] = []
  const fill = (key: string, value: T | undefined) => {
    for (const i of slots.get(key)!) results[i] = value
  }
  const join = (key: string, flight: Promise<unknown>) =>
    waits.push(flight.then((value) => fill(key, value as T | undefined)))

  const toRead: string[] = []
  for (const key of slots.keys()) {
    const flight = core.flights.running(space.key(key))
    if (flight) join(key, flight)
    else toRead.push(key)
  }
  const epoch = core.l1?.epoch
  const found =
    toRead.length > 0
      ? await core.io.readMany(
          toRead.map((k) => space.key(k)),
          schema,
        )
      : []
  const missing: Missing<T>[] = []
  for (let j = 0; j < toRead.length; j++) {
    const key = toRead[j]!
    const stored = space.key(key)
    const f = found[j]
    if (f?.fresh) {
      core.hit(space, key, f.layer)
      fillL1(core, space, key, f, epoch)
      fill(key, f.entry.value as T)
      continue
    }
    const stale = f ? { value: f.entry.value as T } : undefined
    if (stale && (core.failSafe.backingOff(stored) || core.flights.inBackground(stored))) {
      core.serveStale(stored, core.failSafe.backingOff(stored) ? 'fail-safe' : 'soft-timeout')
      fill(key, stale.value)
      continue
    }
    // Someone may have started loading it while we read.
    const flight = core.flights.running(stored)
    if (flight) {
      join(key, flight)
      continue
    }
    core.miss(stored)
    let resolve!: (value: T | undefined) => void
    let reject!: (error: unknown) => void
    const promise = core.flights.join(
      stored,
      () =>
        new Promise<T | undefined>((res, rej) => {
          resolve = res
          reject = rej
        }),
    )
    join(key, promise)
    missing.push({ key, stored, stale, resolve, reject })
  }

  if (missing.length > 0) {
    if (core.lock) await loadUnderLocks(core, space, missing, loadMissing, plan, schema, epoch, waits)
    else
      loadBatch(
        core,
        space,
        missing,
        missing.map(() => noRelease),
        loadMissing,
        plan,
        epoch,
      )
  }
  await Promise.all(waits)
  return results
}

/** Takes each key's lock once; keys held elsewhere wait for their holder, one by one. */
async function loadUnderLocks<T>(
  core: CacheCore,
  space: KeySpace,
  missing: Missing<T>[],
  loadMissing: ManyLoader<T>,
  plan: CallPlan,
  schema: Schema<unknown> | undefined,
  epoch: number | undefined,
  waits: Promise<void>[],
): Promise<void> {
  const lock = core.lock!
  const taken = await Promise.all(missing.map((m) => lock.tryTake(space, m.stored)))
  const own = missing.filter((_, i) => taken[i])
  loadBatch(
    core,
    space,
    own,
    taken.filter((r): r is Release => r !== undefined),
    loadMissing,
    plan,
    epoch,
  )
  for (const m of missing.filter((_, i) => !taken[i])) {
    const waiting = lock
      .acquire<T>(space, m.stored, {
        read: () => core.io.read(m.stored, schema),
        onHit: (again) => core.hit(space, m.key, again.layer),
        onStale: (reason) => core.serveStale(m.stored, reason),
        stale: m.stale,
        softMs: plan.softMs,
        hardMs: plan.hardMs,
      })
      .then((outcome) => {
        if ('value' in outcome) m.resolve(outcome.value)
        else loadBatch(core, space, [m], [outcome.release], loadMissing, plan, epoch)
      }, m.reject)
    waits.push(waiting)
  }
}

/** One loader call for `missing`; each key's flight settles within the call's timeouts. */
function loadBatch<T>(
  core: CacheCore,
  space: KeySpace,
  missing: Missing<T>[],
  releases: Release[],
  loadMissing: ManyLoader<T>,
  plan: CallPlan,
  epoch: number | undefined,
): void {
  if (missing.length === 0) return
  const keys = missing.map((m) => m.key)
  core.counts.loads++
  for (const m of missing) core.emit({ type: 'load', key: m.stored })
  let snapshot: Awaited<ReturnType<typeof core.io.snapshotTags>>
  const run = startLoad(
    plan.settings,
    missing.map((m) => m.stale?.value),
    async (context): Promise<(T | undefined)[]> => {
      snapshot = await core.io.snapshotTags(space, plan.write.tags)
      const loaded = await loadMissing([...keys], context as ManyLoaderContext<T>)
      return aligned(keys, loaded)
    },
    (values, context) => {
      const write = core.planAfterLoad(context, plan)
      const items = missing.flatMap((m, i) =>
        values[i] === undefined ? [] : [{ key: m.key, value: values[i], plan: write }],
      )
      return core.io.writeMany(space, items, { snapshot, l1Epoch: epoch })
    },
    () => Promise.all(releases.map((r) => r())).then(() => {}),
  )
  missing.forEach((m, i) => {
    const completion = run.completion.then((values) => values[i])
    awaitLoad(
      m.stored,
      { completion, controller: run.controller },
      plan,
      m.stale as { value: T | undefined } | undefined,
      waitHooks(core, m.stored, completion),
    ).then(m.resolve, m.reject)
  })
}

function aligned<T>(keys: string[], loaded: ManyLoaded<T>): (T | undefined)[] {
  if (loaded instanceof Map) return keys.map((k) => loaded.get(k))
  if (Array.isArray(loaded) && loaded.length === keys.length) return [...loaded]
  throw new CacheError(
    'CACHE_INVALID_ARGUMENT',
    `getOrSetMany's loader must return one value per key it was given (${keys.length}), in order, or a Map by key; got ${Array.isArray(loaded) ? `${loaded.length} values` : typeof loaded}.`,
  )
}
