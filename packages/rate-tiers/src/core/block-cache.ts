import type { RateDecision } from '../types'

interface Blocked {
  until: number
  cost: number
  at: number
  decision: RateDecision
}

/**
 * Keys known to be denied until a time, so a flood from one denied key is answered in process
 * instead of costing a store round trip each. Bounded: the oldest entry goes first.
 */
export class BlockCache {
  readonly #max: number
  readonly #entries = new Map<string, Blocked>()

  constructor(max: number) {
    this.#max = max
  }

  /** A still-valid denial for this call, or undefined. A smaller cost may fit, so it is not blocked. */
  get(id: string, cost: number, now: number): RateDecision | undefined {
    if (this.#entries.size === 0) return undefined
    const blocked = this.#entries.get(id)
    if (!blocked) return undefined
    if (blocked.until <= now) {
      this.#entries.delete(id)
      return undefined
    }
    if (cost < blocked.cost) return undefined
    const elapsed = now - blocked.at
    const { decision } = blocked
    return {
      ...decision,
      retryAfterMs: blocked.until - now,
      resetMs: Math.max(blocked.until - now, decision.resetMs - elapsed),
    }
  }

  set(id: string, cost: number, now: number, decision: RateDecision): void {
    this.#entries.delete(id)
    this.#entries.set(id, { until: now + decision.retryAfterMs, cost, at: now, decision })
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
  }

  /** Forget every entry whose id starts with `prefix` (after `reset`). */
  deletePrefix(prefix: string): void {
    for (const id of this.#entries.keys()) if (id.startsWith(prefix)) this.#entries.delete(id)
  }

  get size(): number {
    return this.#entries.size
  }
}
