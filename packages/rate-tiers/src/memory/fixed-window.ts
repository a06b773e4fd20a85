import type { StoreOutcome } from '../types'
import { type Expiring, fill, type MemoryAlgorithm } from './algorithm'

export interface FixedState extends Expiring {
  start: number
  count: number
}

const countIn = (state: FixedState | undefined, start: number) =>
  state !== undefined && state.start === start ? state.count : 0

function keep(state: FixedState | undefined, start: number, count: number, windowMs: number): FixedState {
  if (state === undefined) return { start, count, expiresAt: start + windowMs }
  state.start = start
  state.count = count
  state.expiresAt = start + windowMs
  return state
}

function outcome(
  limit: number,
  count: number,
  untilEnd: number,
  cost: number,
  admitted: boolean,
  out: StoreOutcome,
): void {
  const left = limit - count
  const waits = count > 0 ? untilEnd : 0
  fill(out, Math.max(0, left), waits, admitted || cost <= left ? 0 : Math.max(1, untilEnd), waits)
}

/** Counts per window aligned to the epoch: at most `limit` per aligned window. */
export const fixedWindow: MemoryAlgorithm<FixedState> = {
  check(state, { limit, windowMs }, cost, now) {
    return cost <= limit - countIn(state, now - (now % windowMs))
  },
  describe(state, { limit, windowMs }, cost, now, out) {
    const start = now - (now % windowMs)
    outcome(limit, countIn(state, start), Math.ceil(start + windowMs - now), cost, false, out)
  },
  charge(state, { limit, windowMs }, units, now, admitted, cost, out) {
    const start = now - (now % windowMs)
    const count = countIn(state, start) + units
    outcome(limit, count, Math.ceil(start + windowMs - now), cost, admitted, out)
    return keep(state, start, count, windowMs)
  },
  // Units go back only to the window they were charged in; extra units are charged to this window.
  adjust(state, { windowMs }, units, at, _held, now) {
    const start = now - (now % windowMs)
    if (units > 0 && at - (at % windowMs) !== start) return state
    return keep(state, start, Math.max(0, countIn(state, start) - units), windowMs)
  },
}
