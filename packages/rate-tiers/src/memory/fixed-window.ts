import type { MemoryAlgorithm } from './algorithm'

export interface FixedState {
  start: number
  count: number
}

/** Counts per window aligned to the epoch: at most `limit` per aligned window. */
export const fixedWindow: MemoryAlgorithm<FixedState> = {
  check(state, { limit, windowMs }, cost, now) {
    const start = Math.floor(now / windowMs) * windowMs
    const count = state && state.start === start ? state.count : 0
    const left = limit - count
    const untilEnd = start + windowMs - now
    if (cost <= left) return { allowed: true, left, resetMs: count > 0 ? untilEnd : 0, retryAfterMs: 0 }
    return { allowed: false, left: Math.max(0, left), resetMs: untilEnd, retryAfterMs: Math.max(1, untilEnd) }
  },
  charge(state, { windowMs }, cost, now) {
    const start = Math.floor(now / windowMs) * windowMs
    const next = state && state.start === start ? state : { start, count: 0 }
    next.count += cost
    return { state: next, expiresAt: start + windowMs, resetMs: start + windowMs - now }
  },
}
