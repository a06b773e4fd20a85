import { type Expiring, type MemoryAlgorithm, verdict } from './algorithm'

export interface FixedState extends Expiring {
  start: number
  count: number
}

/** Counts per window aligned to the epoch: at most `limit` per aligned window. */
export const fixedWindow: MemoryAlgorithm<FixedState> = {
  check(state, { limit, windowMs }, cost, now, out) {
    const start = now - (now % windowMs)
    const count = state !== undefined && state.start === start ? state.count : 0
    const left = limit - count
    const untilEnd = start + windowMs - now
    if (cost <= left) verdict(out, true, left, count > 0 ? untilEnd : 0, 0)
    else verdict(out, false, Math.max(0, left), untilEnd, Math.max(1, untilEnd))
  },
  charge(state, { windowMs }, cost, now, out) {
    const start = now - (now % windowMs)
    out.resetMs = start + windowMs - now
    if (state !== undefined && state.start === start) {
      state.count += cost
      return state
    }
    return { start, count: cost, expiresAt: start + windowMs }
  },
}
