// Measurement helpers shared by the cache benchmarks.

export interface LoadResult {
  opsPerSec: number
  p50: number
  p99: number
}

/** `concurrency` loops calling `fn` for `durationMs` after a warm-up; latencies in microseconds. */
export async function load(
  fn: (i: number) => Promise<unknown>,
  concurrency: number,
  durationMs: number,
): Promise<LoadResult> {
  const run = async (ms: number, record: boolean) => {
    const latencies: number[] = []
    let ops = 0
    const end = performance.now() + ms
    const loop = async (offset: number) => {
      let i = offset
      while (performance.now() < end) {
        const t0 = performance.now()
        await fn(i)
        if (record) latencies.push(performance.now() - t0)
        ops++
        i += concurrency
      }
    }
    const started = performance.now()
    await Promise.all(Array.from({ length: concurrency }, (_, c) => loop(c)))
    return { ops, elapsed: performance.now() - started, latencies }
  }
  await run(Math.min(300, durationMs / 4), false)
  const { ops, elapsed, latencies } = await run(durationMs, true)
  latencies.sort((a, b) => a - b)
  const pct = (p: number) =>
    (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0) * 1000
  return { opsPerSec: (ops / elapsed) * 1000, p50: pct(0.5), p99: pct(0.99) }
}

/**
 * `load` for several contenders, interleaved over `rounds` short runs so
 * background noise hits all alike; each figure is the median over rounds.
 */
export async function interleaved(
  contenders: [string, (i: number) => Promise<unknown>][],
  concurrency: number,
  rounds: number,
  roundMs: number,
): Promise<Interleaved> {
  const samples = new Map<string, LoadResult[]>()
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of contenders)
      samples.set(name, [...(samples.get(name) ?? []), await load(fn, concurrency, roundMs)])
  }
  const medians = new Map(
    [...samples].map(([name, runs]) => [
      name,
      {
        opsPerSec: median(runs.map((r) => r.opsPerSec)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
      },
    ]),
  )
  const ratio = (ours: string, theirs: string, metric: keyof LoadResult) =>
    pairedRatio(
      samples.get(ours)!.map((r) => r[metric]),
      samples.get(theirs)!.map((r) => r[metric]),
    )
  return Object.assign(medians, { ratio })
}

/** Medians per contender, and `ratio(ours, theirs, metric)`: the median of per-round ratios. */
export type Interleaved = Map<string, LoadResult> & {
  ratio(ours: string, theirs: string, metric: keyof LoadResult): number
}

/** Awaited calls per second of a tight loop: the cost of one call behind an async boundary. */
export async function tightLoop(fn: (i: number) => Promise<unknown>, iterations: number): Promise<number> {
  for (let i = 0; i < iterations / 10; i++) await fn(i)
  const started = performance.now()
  for (let i = 0; i < iterations; i++) await fn(i)
  return (iterations / (performance.now() - started)) * 1000
}

/** Median over rounds of `ours[i] / theirs[i]`: each pair ran in the same round. */
export function pairedRatio(ours: number[], theirs: number[]): number {
  return median(ours.map((o, i) => o / theirs[i]!))
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`

/** A supplier as the app caches it: about 300 bytes of JSON. */
export function supplier(i: number) {
  return {
    supplier_id: i,
    supplier_name: `Supplier ${i} Fresh Produce Ltd`,
    supplier_phone: '+380 44 123 45 67',
    supplier_adress: `${i} Market Street, Kyiv`,
    supplier_comment: 'Delivers Mon/Wed/Fri before 9am',
    supplier_tin: '1234567890',
    delete: 0,
    ingredients: [i, i + 1, i + 2, i + 3],
  }
}

export interface OpenLoopResult {
  /** Per-call latency in microseconds, sorted. */
  latencies: number[]
  errors: number
  calls: number
}

/**
 * Open-loop load: `rate` calls a second for `durationMs`, issued on a 1 ms
 * timer whatever the previous calls are doing (as traffic arrives), so a
 * call that waits for a loader shows in the latencies instead of slowing the
 * load down.
 */
export async function openLoop(
  fn: (i: number) => Promise<unknown>,
  rate: number,
  durationMs: number,
): Promise<OpenLoopResult> {
  const latencies: number[] = []
  const inflight: Promise<void>[] = []
  let errors = 0
  let issued = 0
  const started = performance.now()
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started
      const due = Math.min(Math.floor((elapsed * rate) / 1000), Math.floor((durationMs * rate) / 1000))
      for (; issued < due; issued++) {
        const t0 = performance.now()
        inflight.push(
          fn(issued).then(
            () => {
              latencies.push((performance.now() - t0) * 1000)
            },
            () => {
              errors++
              latencies.push((performance.now() - t0) * 1000)
            },
          ),
        )
      }
      if (elapsed >= durationMs) {
        clearInterval(timer)
        done()
      }
    }, 1)
  })
  await Promise.all(inflight)
  latencies.sort((a, b) => a - b)
  return { latencies, errors, calls: issued }
}

export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0
