import { type Expiring, type MemoryAlgorithm, verdict } from './algorithm'

/** Counts of the current aligned window and the one before it. */
export interface WindowState extends Expiring {
  start: number
  prev: number
  cur: number
}

/** The previous and current counts as of the window starting at `start`. */
function counts(
  state: WindowState | undefined,
  start: number,
  windowMs: number,
): [prev: number, cur: number] {
  if (state === undefined) return [0, 0]
  if (state.start === start) return [state.prev, state.cur]
  if (state.start === start - windowMs) return [state.cur, 0]
  return [0, 0]
}

/**
 * Approximate: weighs the previous window's count by how much of it the rolling window still
 * overlaps, as if its requests were spread evenly. O(1) memory per key.
 */
export const slidingWindow: MemoryAlgorithm<WindowState> = {
  check(state, { limit, windowMs }, cost, now, out) {
    const start = now - (now % windowMs)
    const [prev, cur] = counts(state, start, windowMs)
    const estimate = (prev * (windowMs - (now - start))) / windowMs + cur
    const left = Math.max(0, Math.floor(limit - estimate))
    const resetMs = cur > 0 ? start + 2 * windowMs - now : prev > 0 ? start + windowMs - now : 0
    if (cost <= left) return verdict(out, true, left, resetMs, 0)
    // Within this window if the previous window's weight can shrink enough, else in the next one
    // once this window's count has decayed enough.
    const at =
      cur + cost <= limit
        ? start + windowMs * (1 - (limit - cur - cost) / prev)
        : start + windowMs + Math.max(0, windowMs * (1 - (limit - cost) / cur))
    verdict(out, false, left, resetMs, Math.max(1, Math.ceil(at - now)))
  },
  charge(state, { windowMs }, cost, now, out) {
    const start = now - (now % windowMs)
    const [prev, cur] = counts(state, start, windowMs)
    out.resetMs = start + 2 * windowMs - now
    const next = state ?? { start, prev, cur, expiresAt: 0 }
    next.start = start
    next.prev = prev
    next.cur = cur + cost
    next.expiresAt = start + 2 * windowMs
    return next
  },
}
