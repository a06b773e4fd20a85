import type { StoreCall, StoreOutcome } from '../types'

interface Pending {
  call: StoreCall
  out: readonly StoreOutcome[]
  resolve: (at: number) => void
  reject: (error: unknown) => void
}

// Small enough that several runs are in flight at once, so Redis works on one while this process
// handles the replies of another (one big batch would make them take turns); large enough to
// spread a run's fixed cost (EVALSHA lookup, TIME) over many decisions.
const MAX_BATCH = 16

/** Writes one decision's part of a reply (5 numbers per limit from `from`) into its outcomes. */
function split(call: StoreCall, out: readonly StoreOutcome[], reply: number[], from: number): void {
  for (let i = 0, at = from; i < call.limits.length; i++, at += 5) {
    const o = out[i]!
    o.allowed = reply[at] === 1
    o.remaining = reply[at + 1]!
    o.resetMs = reply[at + 2]!
    o.retryAfterMs = reply[at + 3]!
    o.nextMs = reply[at + 4]!
  }
}

/**
 * Collects the decisions made while a run is in flight into batches (one script run each) and
 * splits the reply, whose first number is Redis TIME in µs. Decisions stay atomic one by one;
 * batching only saves round trips and per-command overhead. `groupOf` keeps apart what must not
 * share a run (a Cluster run must stay in one slot).
 */
export function createBatcher(
  groupOf: (call: StoreCall) => string,
  send: (calls: readonly StoreCall[]) => Promise<number[]>,
): (call: StoreCall, out: readonly StoreOutcome[]) => Promise<number> {
  let queues = new Map<string, Pending[]>()
  let scheduled = false
  let inFlight = 0

  function dispatch(batch: Pending[]): void {
    inFlight++
    send(batch.map((p) => p.call)).then(
      (reply) => {
        inFlight--
        const at = reply[0]! / 1000
        let from = 1
        for (const { call, out, resolve } of batch) {
          split(call, out, reply, from)
          from += 5 * call.limits.length
          resolve(at)
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
  function sendNow(call: StoreCall, out: readonly StoreOutcome[]): Promise<number> {
    inFlight++
    return send([call]).then(
      (reply) => {
        inFlight--
        split(call, out, reply, 1)
        return reply[0]! / 1000
      },
      (error: unknown) => {
        inFlight--
        throw error
      },
    )
  }

  return (call, out) => {
    if (inFlight === 0 && !scheduled) return sendNow(call, out)
    return new Promise<number>((resolve, reject) => {
      const group = groupOf(call)
      let queue = queues.get(group)
      if (!queue) {
        queue = []
        queues.set(group, queue)
      }
      queue.push({ call, out, resolve, reject })
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
