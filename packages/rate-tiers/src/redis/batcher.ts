import type { StoreCall, StoreOutcome } from '../types'

interface Pending {
  call: StoreCall
  resolve: (outcomes: StoreOutcome[]) => void
  reject: (error: unknown) => void
}

// Small enough that several runs are in flight at once, so Redis works on one while this process
// handles the replies of another (one big batch would make them take turns); large enough to
// spread a run's fixed cost (EVALSHA lookup, TIME) over many decisions.
const MAX_BATCH = 16

/**
 * Collects the decisions made in one tick into batches (one script run each) and splits the reply.
 * Decisions stay atomic one by one; batching only saves round trips and per-command overhead.
 * `groupOf` keeps what must not share a run apart (a Cluster run must stay in one slot).
 */
export function createBatcher(
  groupOf: (call: StoreCall) => string,
  send: (calls: readonly StoreCall[]) => Promise<number[]>,
): (call: StoreCall) => Promise<StoreOutcome[]> {
  let queues = new Map<string, Pending[]>()
  let scheduled = false
  let inFlight = 0

  function split(call: StoreCall, reply: number[], from: number): StoreOutcome[] {
    const outcomes: StoreOutcome[] = []
    for (let i = 0, at = from; i < call.limits.length; i++, at += 4) {
      outcomes.push({
        allowed: reply[at] === 1,
        remaining: reply[at + 1]!,
        resetMs: reply[at + 2]!,
        retryAfterMs: reply[at + 3]!,
      })
    }
    return outcomes
  }

  function dispatch(batch: Pending[]): void {
    inFlight++
    send(batch.map((p) => p.call)).then(
      (reply) => {
        inFlight--
        let at = 0
        for (const { call, resolve } of batch) {
          resolve(split(call, reply, at))
          at += 4 * call.limits.length
        }
      },
      (error: unknown) => {
        inFlight--
        for (const { reject } of batch) reject(error)
      },
    )
  }

  function flush(): void {
    scheduled = false
    const ready = queues
    queues = new Map()
    for (const batch of ready.values()) dispatch(batch)
  }

  // Nothing to share a run with: send now, without waiting for the tick to end. Calls made while a
  // run is in flight still gather (that is when batching pays).
  function sendNow(call: StoreCall): Promise<StoreOutcome[]> {
    inFlight++
    return send([call]).then(
      (reply) => {
        inFlight--
        return split(call, reply, 0)
      },
      (error: unknown) => {
        inFlight--
        throw error
      },
    )
  }

  return (call) => {
    if (inFlight === 0 && !scheduled) return sendNow(call)
    return new Promise<StoreOutcome[]>((resolve, reject) => {
      const group = groupOf(call)
      let queue = queues.get(group)
      if (!queue) {
        queue = []
        queues.set(group, queue)
      }
      queue.push({ call, resolve, reject })
      if (queue.length >= MAX_BATCH) {
        queues.delete(group)
        dispatch(queue)
      } else if (!scheduled) {
        scheduled = true
        // After the current burst of promise continuations, so callers resumed together share a run.
        process.nextTick(flush)
      }
    })
  }
}
