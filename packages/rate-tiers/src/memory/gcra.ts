import { type Expiring, type MemoryAlgorithm, verdict } from './algorithm'

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

/** Generic cell rate: one unit every window/limit, up to `burst` at once from idle. */
export const gcra: MemoryAlgorithm<GcraState> = {
  check(state, { limit, windowMs, burst }, cost, now, out) {
    const interval = windowMs / limit
    const level = levelAt(state, interval, now)
    const left = Math.max(0, Math.floor(burst - level + EPSILON))
    if (cost <= left) verdict(out, true, left, level * interval, 0)
    else
      verdict(out, false, left, level * interval, Math.max(1, Math.ceil((level + cost - burst) * interval)))
  },
  charge(state, { limit, windowMs }, cost, now, out) {
    const interval = windowMs / limit
    const level = levelAt(state, interval, now) + cost
    out.resetMs = level * interval
    const next = state ?? { level, at: now, expiresAt: 0 }
    next.level = level
    next.at = now
    next.expiresAt = now + level * interval
    return next
  },
}
