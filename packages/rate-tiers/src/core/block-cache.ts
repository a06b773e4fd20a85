import type { Decision } from './decision'

interface Blocked {
  until: number
  cost: number
  at: number
  decision: Decision
}

/**
 * Keys known to be denied until a time, so a flood from one denied key (or a key serving a
 * `blockFor` penalty) is answered in process instead of costing a store round trip each. Bounded:
 * the oldest entry goes first.
 */
export class BlockCache {
  readonly #max: number
  readonly #entries = new Map<string, Blocked>()

  constructor(max: number) {
    this.#max = max
  }

  /** A still-valid denial for this call, its times counted down, or undefined. A smaller cost may fit. */
  get(id: string, cost: number, now: number): Decision | undefined {
    if (this.#entries.size === 0) return undefined
    const blocked = this.#entries.get(id)
    if (!blocked) return undefined
    if (blocked.until <= now) {
      this.#entries.delete(id)
      return undefined
    }
    if (cost < blocked.cost) return undefined
    const elapsed = now - blocked.at
    const left = (ms: number) => Math.max(0, Math.ceil(ms - elapsed))
    const { decision } = blocked
    return {
      ...decision,
      retryAfterMs: left(decision.retryAfterMs),
      resetMs: left(decision.resetMs),
      nextMs: left(decision.nextMs),
      limits: decision.limits.map((l) => ({
        ...l,
        retryAfterMs: left(l.retryAfterMs),
        resetMs: left(l.resetMs),
        nextMs: left(l.nextMs),
      })),
    }
  }

  set(id: string, cost: number, now: number, decision: Decision): void {
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
