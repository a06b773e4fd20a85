import type { PoolClientLike, PoolLike } from '../../src/queryable'

/**
 * Wraps a real pool to observe what crosses the wire: every `query` on a
 * checked-out client is one round trip with node-postgres (no pipelining).
 */
export interface CountingPool extends PoolLike {
  readonly queries: string[]
  readonly releases: (Error | boolean | undefined)[]
  connects: number
  reset(): void
}

export function countingPool(pool: PoolLike): CountingPool {
  const counter: CountingPool = {
    queries: [],
    releases: [],
    connects: 0,
    reset() {
      counter.queries.length = 0
      counter.releases.length = 0
      counter.connects = 0
    },
    async connect(): Promise<PoolClientLike> {
      counter.connects++
      const client = await pool.connect()
      return {
        query: (text, params) => {
          counter.queries.push(text)
          return client.query(text, params)
        },
        release: (destroy) => {
          counter.releases.push(destroy)
          client.release(destroy)
        },
        on: (event, listener) => client.on?.(event, listener),
        removeListener: (event, listener) => client.removeListener?.(event, listener),
      }
    },
  }
  return counter
}
