import { Bench } from 'tinybench'

/** Latency percentiles (ms) and throughput of one task over every round. */
export interface Summary {
  p50: number
  p99: number
  mean: number
  opsPerSec: number
}

export type Task = [name: string, fn: () => Promise<unknown>]

/**
 * Runs the tasks side by side in alternating short rounds (order flipped each
 * round) and merges the samples, so load from other processes on a shared
 * machine hits every task alike instead of whichever ran last.
 */
export async function sequentialRounds(
  tasks: Task[],
  rounds: number,
  ms: number,
): Promise<Map<string, Summary>> {
  const samples = new Map<string, number[]>(tasks.map(([name]) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time: ms, warmupTime: round === 0 ? 300 : 50, retainSamples: true })
    for (const [name, fn] of round % 2 ? [...tasks].reverse() : tasks) bench.add(name, fn)
    await bench.run()
    for (const task of bench.tasks) {
      const result = task.result
      if (result.state !== 'completed') throw new Error(`${task.name} did not complete: ${result.state}`)
      samples.get(task.name)!.push(...(result.latency.samples ?? []))
    }
  }
  // One caller: throughput is the inverse of the mean latency.
  return summarize(samples, (s) => 1000 / mean(s))
}

/**
 * The same with `workers` concurrent callers per task, each awaiting one call
 * before starting the next (a closed loop). tinybench's task concurrency mode
 * measured ~1k ops/s where this loop reaches ~39k on `SELECT 1`: it timed its
 * own scheduling, not the database.
 */
export async function concurrentRounds(
  tasks: Task[],
  workers: number,
  rounds: number,
  ms: number,
): Promise<Map<string, Summary>> {
  const samples = new Map<string, number[]>(tasks.map(([name]) => [name, []]))
  const elapsed = new Map<string, number>(tasks.map(([name]) => [name, 0]))
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of round % 2 ? [...tasks].reverse() : tasks) {
      if (round === 0) await loop(workers, 300, fn, [])
      const start = performance.now()
      await loop(workers, ms, fn, samples.get(name)!)
      elapsed.set(name, elapsed.get(name)! + performance.now() - start)
    }
  }
  return summarize(samples, (s, name) => (s.length / elapsed.get(name)!) * 1000)
}

async function loop(workers: number, ms: number, fn: () => Promise<unknown>, into: number[]): Promise<void> {
  const end = performance.now() + ms
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        const t = performance.now()
        await fn()
        into.push(performance.now() - t)
      }
    }),
  )
}

function summarize(
  samples: Map<string, number[]>,
  throughput: (s: number[], name: string) => number,
): Map<string, Summary> {
  const out = new Map<string, Summary>()
  for (const [name, s] of samples) {
    s.sort((a, b) => a - b)
    const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0
    out.set(name, { p50: at(0.5), p99: at(0.99), mean: mean(s), opsPerSec: throughput(s, name) })
  }
  return out
}

function mean(s: number[]): number {
  return s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)
}
