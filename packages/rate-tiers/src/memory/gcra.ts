import type { StoreOutcome } from '../types'
import { type Expiring, fill, type MemoryAlgorithm } from './algorithm'

/**
 * GCRA kept as a level in units (`level` at time `at`) rather than a theoretical arrival time, so
 * a plan change keeps the units already used: same decisions as GCRA while the limit is unchanged.
 */
export interface GcraState extends Expiring {
  level: number
  at: number
}

// Float division of the window can land a hair under a whole unit; this keeps 2.9999999 at 3.
const EPSILON = 1e-9

function levelAt(state: GcraState | undefined, interval: number, now: number): number {
  return state === undefined ? 0 : Math.max(0, state.level - (now - state.at) / interval)
}

function outcome(
  level: number,
  interval: number,
  burst: number,
  cost: number,
  admitted: boolean,
  out: StoreOutcome,
): void {
  const left = Math.max(0, Math.floor(burst - level + EPSILON))
  const retry = admitted || cost <= left ? 0 : Math.ceil(Math.max(1, (level + cost - burst) * interval))
  // When one unit more than is left fits, by the same tolerance as `left`.
  const next = left >= burst ? 0 : Math.ceil(Math.max(1, (level + left + 1 - burst - EPSILON) * interval))
  fill(out, left, Math.ceil(level * interval), retry, next)
}

/**
 * The level as the scripts store it: printed with `%.9f`, read back. The float residue of the
 * arithmetic (4.65 - 1 is 3.6500000000000004) is dropped there, so it must be here: with it, a
 * later `ceil` can land a millisecond later than the script's (and the exact) answer.
 */
export function asStored(level: number): number {
  const scaled = level * 1e9
  const whole = Math.round(scaled)
  // Rounding the product is printf's rounding unless the product is within its own float error of
  // a half (or too large to be exact): there, rarely, print the exact value as printf does.
  if (scaled < 2 ** 52 && Math.abs(Math.abs(whole - scaled) - 0.5) > scaled * 2 ** -52) return whole / 1e9
  const text = level.toFixed(9)
  // toFixed rounds an exact half up, printf to even; exact halves are the odd multiples of 1/1024.
  const last = text.charCodeAt(text.length - 1) - 48
  if ((level * 1024) % 2 !== 1 || last % 2 === 0) return Number(text)
  return Number(text.slice(0, -1) + (last - 1))
}

function keep(state: GcraState | undefined, level: number, interval: number, now: number): GcraState {
  const next = state ?? { level, at: now, expiresAt: 0 }
  next.level = asStored(level)
  next.at = now
  next.expiresAt = now + level * interval
  return next
}

/** Generic cell rate: one unit every window/limit, up to `burst` at once from idle. */
export const gcra: MemoryAlgorithm<GcraState> = {
  check(state, { limit, windowMs, burst }, cost, now) {
    return cost <= Math.floor(burst - levelAt(state, windowMs / limit, now) + EPSILON)
  },
  describe(state, { limit, windowMs, burst }, cost, now, out) {
    const interval = windowMs / limit
    outcome(levelAt(state, interval, now), interval, burst, cost, false, out)
  },
  // Penalties may push the level past the burst, but never past one window of debt beyond it.
  charge(state, { limit, windowMs, burst }, units, now, admitted, cost, out) {
    const interval = windowMs / limit
    const level = Math.min(levelAt(state, interval, now) + units, burst + limit)
    outcome(level, interval, burst, cost, admitted, out)
    return keep(state, level, interval, now)
  },
  // A decision's units drain no sooner than from its own time on: what drained since is not given
  // back (rounded to whole units, so a refund right after the call gives it all back).
  adjust(state, { limit, windowMs, burst }, units, at, held, now) {
    const interval = windowMs / limit
    const give =
      units > 0 ? Math.min(units, Math.max(0, Math.floor(held - (now - at) / interval + 0.5))) : units
    const level = Math.min(Math.max(0, levelAt(state, interval, now) - give), burst + limit)
    return level <= 0 ? undefined : keep(state, level, interval, now)
  },
}
