import { waitUntil } from './wait'

/** One call of a load: when it was issued and settled (`performance.now()`), and whether it succeeded. */
export interface Outcome {
  n: number
  issued: number
  settled: number
  ok: boolean
}

/**
 * One write every `intervalMs`, not waiting for the previous one, so a stalled write does not
 * stall the load; every outcome is kept.
 */
export function writeLoad(
  write: (n: number) => Promise<unknown>,
  intervalMs = 20,
  settleTimeoutMs = 30_000,
): WriteLoad {
  const outcomes: Outcome[] = []
  let issued = 0
  const timer = setInterval(() => {
    const n = issued++
    const at = performance.now()
    write(n).then(
      () => outcomes.push({ n, issued: at, settled: performance.now(), ok: true }),
      () => outcomes.push({ n, issued: at, settled: performance.now(), ok: false }),
    )
  }, intervalMs)
  return {
    outcomes,
    /** Stop issuing and wait until every issued write has settled. */
    async stop() {
      clearInterval(timer)
      await waitUntil(async () => outcomes.length === issued || undefined, {
        timeoutMs: settleTimeoutMs,
        onTimeout: () => new Error(`${issued - outcomes.length} writes never settled`),
      })
    },
  }
}

/**
 * Unavailability: `windowMs` from the first failed write to the first success of a write issued
 * after it; `stallMs` the longest time without any write succeeding (queued writes stall, not fail).
 */
export function unavailability(outcomes: Outcome[]) {
  const succeeded = outcomes
    .filter((o) => o.ok)
    .map((o) => o.settled)
    .sort((a, b) => a - b)
  let stallMs = 0
  for (let i = 1; i < succeeded.length; i++) stallMs = Math.max(stallMs, succeeded[i]! - succeeded[i - 1]!)
  const firstFailed = outcomes.filter((o) => !o.ok).sort((a, b) => a.issued - b.issued)[0]
  const recovered = outcomes
    .filter((o) => o.ok && firstFailed && o.issued > firstFailed.issued)
    .sort((a, b) => a.settled - b.settled)[0]
  return {
    failed: outcomes.filter((o) => !o.ok).length,
    total: outcomes.length,
    windowMs: firstFailed && recovered ? Math.round(recovered.settled - firstFailed.issued) : undefined,
    stallMs: Math.round(stallMs),
    lastOk: outcomes.filter((o) => o.ok).sort((a, b) => b.n - a.n)[0],
  }
}

export interface WriteLoad {
  /** Every settled call so far, in settling order. */
  readonly outcomes: Outcome[]
  /** Stop issuing and wait until every issued call has settled. */
  stop(): Promise<void>
}
