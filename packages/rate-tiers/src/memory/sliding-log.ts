import type { StoreOutcome } from '../types'
import { type Expiring, fill, type MemoryAlgorithm } from './algorithm'

/** Admission times with their costs, oldest first from `head`; `used` sums the live costs. */
export interface LogState extends Expiring {
  times: number[]
  costs: number[]
  head: number
  used: number
}

// Entries at or before now - window have left the window (same rule as the Redis script).
function prune(state: LogState, now: number, windowMs: number): void {
  const edge = now - windowMs
  while (state.head < state.times.length && state.times[state.head]! <= edge) {
    state.used -= state.costs[state.head]!
    state.head++
  }
  compact(state)
}

function compact(state: LogState): void {
  if (state.head > 32 && state.head * 2 > state.times.length) {
    state.times = state.times.slice(state.head)
    state.costs = state.costs.slice(state.head)
    state.head = 0
  }
}

/** How long until the entry holding unit `index` (0 = oldest) leaves the window. */
function leaves(state: LogState, index: number, now: number, windowMs: number): number {
  let units = 0
  for (let i = state.head; i < state.times.length; i++) {
    units += state.costs[i]!
    if (units > index) return Math.ceil(Math.max(1, state.times[i]! + windowMs - now))
  }
  return windowMs
}

function newest(state: LogState): number {
  let i = state.times.length - 1
  while (i > state.head && state.costs[i] === 0) i--
  return state.times[i]!
}

function describe(
  state: LogState,
  limit: number,
  windowMs: number,
  cost: number,
  now: number,
  out: StoreOutcome,
) {
  const left = limit - state.used
  const remaining = Math.max(0, left)
  const retry = cost <= left ? 0 : leaves(state, cost - left - 1, now, windowMs)
  const next = state.used === 0 ? 0 : leaves(state, remaining - left, now, windowMs)
  fill(out, remaining, 0, retry, next)
  return cost <= left
}

function push(state: LogState | undefined, units: number, now: number, windowMs: number): LogState {
  const next = state ?? { times: [], costs: [], head: 0, used: 0, expiresAt: 0 }
  next.times.push(now)
  next.costs.push(units)
  next.used += units
  next.expiresAt = now + windowMs
  return next
}

/** Exact: counts every admitted unit in the rolling window. */
export const slidingLog: MemoryAlgorithm<LogState> = {
  check(state, { limit, windowMs }, cost, now) {
    if (state === undefined) return cost <= limit
    prune(state, now, windowMs)
    return cost <= limit - state.used
  },
  describe(state, { limit, windowMs }, cost, now, out) {
    if (state === undefined) return fill(out, limit, 0, 0, 0)
    describe(state, limit, windowMs, cost, now, out)
    if (state.used > 0) out.resetMs = Math.ceil(newest(state) + windowMs - now)
  },
  // Charged denials (penalties) keep only the newest `limit` units: for admission the same as
  // keeping them all (the key is over until they age out either way), and the log stays bounded.
  charge(state, { limit, windowMs }, units, now, admitted, cost, out) {
    const next = push(state, units, now, windowMs)
    if (!admitted) {
      while (next.used > limit) {
        const drop = Math.min(next.costs[next.head]!, next.used - limit)
        next.costs[next.head]! -= drop
        next.used -= drop
        if (next.costs[next.head] === 0) next.head++
      }
      compact(next)
    }
    describe(next, limit, windowMs, admitted ? 0 : cost, now, out)
    out.resetMs = windowMs
    return next
  },
  // Gives back this decision's own units (charged at `at`, newest first); extra units are new entries.
  adjust(state, { windowMs }, units, at, _held, now) {
    if (units < 0) return push(state, -units, now, windowMs)
    if (state === undefined) return undefined
    let left = units
    for (let i = state.times.length - 1; i >= state.head && left > 0; i--) {
      if (state.times[i] !== at) continue
      const take = Math.min(left, state.costs[i]!)
      state.costs[i]! -= take
      state.used -= take
      left -= take
    }
    return state.used > 0 ? state : undefined
  },
}
