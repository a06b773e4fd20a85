import type { MemoryAlgorithm } from './algorithm'

/** Admission times with their costs, oldest first from `head`; `used` sums the live costs. */
export interface LogState {
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
  check(state, { limit, windowMs }, cost, now) {
    if (!state) return { allowed: cost <= limit, left: limit, resetMs: 0, retryAfterMs: 0 }
    prune(state, now, windowMs)
    const left = limit - state.used
    const newest = state.times[state.times.length - 1]
    const resetMs = state.used > 0 && newest !== undefined ? newest + windowMs - now : 0
    if (cost <= left) return { allowed: true, left, resetMs, retryAfterMs: 0 }
    // Wait until enough of the oldest units have left the window for this cost to fit.
    let toFree = cost - left
    let i = state.head
    while (toFree > 0 && i < state.times.length) toFree -= state.costs[i++]!
    const freedAt = state.times[i - 1] ?? now
    return {
      allowed: false,
      left: Math.max(0, left),
      resetMs,
      retryAfterMs: Math.max(1, freedAt + windowMs - now),
    }
  },
  charge(state, { windowMs }, cost, now) {
    const next = state ?? { times: [], costs: [], head: 0, used: 0 }
    next.times.push(now)
    next.costs.push(cost)
    next.used += cost
    return { state: next, expiresAt: now + windowMs, resetMs: windowMs }
  },
}
