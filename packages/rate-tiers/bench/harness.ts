import { Bench } from 'tinybench'

/** One measured case. */
export interface Row {
  group: string
  name: string
  concurrency: number
  opsPerSec: number
  p50Us: number
  p99Us: number
}

/** Measured time per case and round. */
export const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 600)
const WARMUP_MS = 300

/**
 * Runs `call` for TIME_MS with `concurrency` calls in flight (tinybench `concurrency: 'task'`).
 * Decisions/s is calls over wall time; p99 is of single-call latency under that concurrency.
 */
export async function measure(
  group: string,
  name: string,
  concurrency: number,
  call: () => Promise<unknown>,
): Promise<Row> {
  await warmUp(call, concurrency)
  const bench = new Bench({
    time: TIME_MS,
    iterations: 0,
    warmup: false,
    ...(concurrency > 1 ? { concurrency: 'task' as const, threshold: concurrency } : {}),
  })
  bench.add(name, call)
  const started = performance.now()
  await bench.run()
  const wallMs = performance.now() - started
  const result = bench.tasks[0]!.result
  if (result.state !== 'completed') throw new Error(`${name}: ${result.state}`)
  return {
    group,
    name,
    concurrency,
    opsPerSec: (result.latency.samplesCount / wallMs) * 1000,
    p50Us: result.latency.p50 * 1000,
    p99Us: result.latency.p99 * 1000,
  }
}

// Outside tinybench so that the wall time of `run` below holds measured calls only.
async function warmUp(call: () => Promise<unknown>, concurrency: number): Promise<void> {
  const end = performance.now() + WARMUP_MS
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await call()
    }),
  )
}
