import { type Expiring, type MemoryAlgorithm, verdict } from './algorithm'

/** Admission times with their costs, oldest first from `head`; `used` sums the live costs. */
export interface LogState extends Expiring {
  times: number[]
  costs: number[]
  head: number
  used: number
}

// Entries at or before now - window have left the window (same rule as the Redis script's ZREMRANGEBYSCORE).
function prune(state: LogState, now: number, windowMs: number): void {
  const edge = now - windowMs
  while (state.head < state.times.length && state.times[state.head]! <= edge) {
    state.used -= state.costs[state.head]!
    state.head++
  }
  if (state.head > 32 && state.head * 2 > state.times.length) {
    state.times = state.times.slice(state.head)
    state.costs = state.costs.slice(state.head)
    state.head = 0
  }
}

/** Exact: counts every admitted unit in the rolling window. */
export const slidingLog: MemoryAlgorithm<LogState> = {
  check(state, { limit, windowMs }, cost, now, out) {
    if (state === undefined) return verdict(out, cost <= limit, limit, 0, 0)
    prune(state, now, windowMs)
    const left = limit - state.used
    const newest = state.times[state.times.length - 1]
    const resetMs = state.used > 0 && newest !== undefined ? newest + windowMs - now : 0
    if (cost <= left) return verdict(out, true, left, resetMs, 0)
    // Wait until enough of the oldest units have left the window for this cost to fit.
    let toFree = cost - left
    let i = state.head
    while (toFree > 0 && i < state.times.length) toFree -= state.costs[i++]!
    const freedAt = state.times[i - 1] ?? now
    verdict(out, false, Math.max(0, left), resetMs, Math.max(1, freedAt + windowMs - now))
  },
  charge(state, { windowMs }, cost, now, out) {
    out.resetMs = windowMs
    const next = state ?? { times: [], costs: [], head: 0, used: 0, expiresAt: 0 }
    next.times.push(now)
    next.costs.push(cost)
    next.used += cost
    next.expiresAt = now + windowMs
    return next
  },
}
