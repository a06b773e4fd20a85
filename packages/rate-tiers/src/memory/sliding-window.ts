import type { StoreOutcome } from '../types'
import { type Expiring, fill, type MemoryAlgorithm } from './algorithm'

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

// How long until `cost` fits: in this window if the previous count's weight can shrink enough,
// else in the next one once this window's count has decayed enough.
function wait(l: number, w: number, s: number, p: number, c: number, cost: number, now: number): number {
  const at = c + cost <= l ? s + w * (1 - (l - c - cost) / p) : s + w + Math.max(0, w * (1 - (l - cost) / c))
  return Math.ceil(Math.max(1, at - now))
}

const leftOf = (l: number, w: number, s: number, p: number, c: number, now: number) =>
  Math.max(0, Math.floor(l - ((p * (w - (now - s))) / w + c)))

function outcome(
  l: number,
  w: number,
  s: number,
  p: number,
  c: number,
  cost: number,
  admitted: boolean,
  now: number,
  out: StoreOutcome,
): void {
  const left = leftOf(l, w, s, p, c, now)
  const reset = c > 0 ? Math.ceil(s + 2 * w - now) : p > 0 ? Math.ceil(s + w - now) : 0
  const retry = admitted || cost <= left ? 0 : wait(l, w, s, p, c, cost, now)
  fill(out, left, reset, retry, left >= l ? 0 : wait(l, w, s, p, c, left + 1, now))
}

function keep(state: WindowState | undefined, start: number, prev: number, cur: number, windowMs: number) {
  const next = state ?? { start, prev, cur, expiresAt: 0 }
  next.start = start
  next.prev = prev
  next.cur = cur
  next.expiresAt = start + 2 * windowMs
  return next
}

/**
 * Approximate: weighs the previous window's count by how much of it the rolling window still
 * overlaps, as if its requests were spread evenly. O(1) memory per key.
 */
export const slidingWindow: MemoryAlgorithm<WindowState> = {
  check(state, { limit, windowMs }, cost, now) {
    const start = now - (now % windowMs)
    const [prev, cur] = counts(state, start, windowMs)
    return cost <= leftOf(limit, windowMs, start, prev, cur, now)
  },
  describe(state, { limit, windowMs }, cost, now, out) {
    const start = now - (now % windowMs)
    const [prev, cur] = counts(state, start, windowMs)
    outcome(limit, windowMs, start, prev, cur, cost, false, now, out)
  },
  charge(state, { limit, windowMs }, units, now, admitted, cost, out) {
    const start = now - (now % windowMs)
    const [prev, cur] = counts(state, start, windowMs)
    outcome(limit, windowMs, start, prev, cur + units, cost, admitted, now, out)
    return keep(state, start, prev, cur + units, windowMs)
  },
  // Units go back to the window they were charged in, if it still counts; extra units to this one.
  adjust(state, { windowMs }, units, at, _held, now) {
    const start = now - (now % windowMs)
    let [prev, cur] = counts(state, start, windowMs)
    const from = at - (at % windowMs)
    if (units < 0 || from === start) cur = Math.max(0, cur - units)
    else if (from === start - windowMs) prev = Math.max(0, prev - units)
    else return state
    return keep(state, start, prev, cur, windowMs)
  },
}
