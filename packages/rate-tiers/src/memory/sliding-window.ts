import type { MemoryAlgorithm } from './algorithm'

/** Counts of the current aligned window and the one before it. */
export interface WindowState {
  start: number
  prev: number
  cur: number
}

function roll(state: WindowState | undefined, start: number, windowMs: number): WindowState {
  if (!state) return { start, prev: 0, cur: 0 }
  if (state.start === start) return state
  if (state.start === start - windowMs) return { start, prev: state.cur, cur: 0 }
  return { start, prev: 0, cur: 0 }
}

/**
 * Approximate: weighs the previous window's count by how much of it the rolling window still
 * overlaps, as if its requests were spread evenly. O(1) memory per key.
 */
export const slidingWindow: MemoryAlgorithm<WindowState> = {
  check(state, { limit, windowMs }, cost, now) {
    const start = Math.floor(now / windowMs) * windowMs
    const { prev, cur } = roll(state, start, windowMs)
    const estimate = (prev * (windowMs - (now - start))) / windowMs + cur
    const left = Math.max(0, Math.floor(limit - estimate))
    const resetMs = cur > 0 ? start + 2 * windowMs - now : prev > 0 ? start + windowMs - now : 0
    if (cost <= left) return { allowed: true, left, resetMs, retryAfterMs: 0 }
    let at: number
    if (cur + cost <= limit) {
      // The previous window's weight must shrink to limit - cur - cost within this window.
      at = start + windowMs * (1 - (limit - cur - cost) / prev)
    } else {
      // Only the next window can fit it, once this window's count has decayed enough.
      at = start + windowMs + Math.max(0, windowMs * (1 - (limit - cost) / cur))
    }
    return { allowed: false, left, resetMs, retryAfterMs: Math.max(1, Math.ceil(at - now)) }
  },
  charge(state, { windowMs }, cost, now) {
    const start = Math.floor(now / windowMs) * windowMs
    const next = roll(state, start, windowMs)
    next.cur += cost
    return { state: next, expiresAt: start + 2 * windowMs, resetMs: start + 2 * windowMs - now }
  },
}
