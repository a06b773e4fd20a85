/** Latency percentiles and throughput of `workers` callers looping on `fn` for `ms`. */
export interface LoopResult {
  p50: number
  p99: number
  opsPerSec: number
}

/**
 * A closed-loop load generator: each worker awaits one call before starting
 * the next. Used for the concurrent figures because tinybench's task
 * concurrency mode measured ~1k ops/s where this loop reaches ~39k on the same
 * `SELECT 1`, i.e. it measures its own scheduling, not the database.
 */
export async function closedLoop(
  workers: number,
  ms: number,
  fn: () => Promise<unknown>,
): Promise<LoopResult> {
  const warmEnd = performance.now() + Math.min(500, ms / 4)
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < warmEnd) await fn()
    }),
  )
  const samples: number[] = []
  const start = performance.now()
  const end = start + ms
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        const t = performance.now()
        await fn()
        samples.push(performance.now() - t)
      }
    }),
  )
  const elapsed = performance.now() - start
  samples.sort((a, b) => a - b)
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0
  return { p50: at(0.5), p99: at(0.99), opsPerSec: (samples.length / elapsed) * 1000 }
}
