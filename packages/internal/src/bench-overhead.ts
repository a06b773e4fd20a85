import { tracingChannel } from 'node:diagnostics_channel'
import { loadavg } from 'node:os'

/** One contender of an overhead bench; `before` / `after` run around each of its rounds. */
export interface OverheadCase {
  name: string
  call: (i: number) => Promise<unknown>
  before?: () => void
  after?: () => void
}

/** Median ops/s per case, and the median of per-round ratios against `reference`. */
export interface OverheadResult {
  /** `best`: the fastest round, the figure least touched by other work (it only ever slows code down). */
  rows: { name: string; opsPerSec: number; vsReference: number; best: number; bestVsReference: number }[]
  reference: string
  rounds: number
  iterations: number
}

/**
 * For the packages' tracing benches: each round runs every case once, in turn (every other round
 * in reverse), as a tight loop of
 * `iterations` awaited calls (after a tenth as many to warm up); figures are medians over
 * rounds, and a ratio pairs the runs of one round, so drift in the machine's load cancels out.
 * Time is this process's CPU time (user + system), not wall time: on a machine shared with other
 * work, the time spent waiting for a core is not the code's.
 */
export async function interleavedOverhead(
  cases: OverheadCase[],
  options: { rounds: number; iterations: number },
): Promise<OverheadResult> {
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  for (let round = 0; round < options.rounds; round++) {
    // Every other round in reverse order, so that no case always runs first (or after the same one).
    for (const c of round % 2 === 0 ? cases : [...cases].reverse()) {
      c.before?.()
      try {
        for (let i = 0; i < options.iterations / 10; i++) await c.call(i)
        const started = cpuMs()
        for (let i = 0; i < options.iterations; i++) await c.call(i)
        samples.get(c.name)!.push((options.iterations / (cpuMs() - started)) * 1000)
      } finally {
        c.after?.()
      }
    }
  }
  const reference = cases[0]!.name
  const ref = samples.get(reference)!
  return {
    reference,
    rounds: options.rounds,
    iterations: options.iterations,
    rows: cases.map((c) => {
      const own = samples.get(c.name)!
      return {
        name: c.name,
        opsPerSec: median(own),
        vsReference: median(own.map((o, i) => o / ref[i]!)),
        best: Math.max(...own),
        bestVsReference: Math.max(...own) / Math.max(...ref),
      }
    }),
  }
}

/** Subscribes a handler that does nothing to every event of the channels; returns the undo. */
export function noopSubscriber(names: readonly string[]): () => void {
  const noop = () => {}
  const handlers = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop }
  const channels = names.map((n) => tracingChannel(n))
  for (const c of channels) c.subscribe(handlers)
  return () => {
    for (const c of channels) c.unsubscribe(handlers)
  }
}

/** The load averages (1 / 5 / 15 min) as the bench READMEs print them. */
export function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ')
}

/** A markdown table of an overhead result. */
export function overheadTable(result: OverheadResult): string {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
  return [
    `| case | ops per CPU second (median of ${result.rounds} rounds) | vs ${result.reference} (median of per-round ratios) | best round | best vs best |`,
    '|---|---:|---:|---:|---:|',
    ...result.rows.map(
      (r) =>
        `| ${r.name} | ${fmt(r.opsPerSec)} | ${r.vsReference.toFixed(3)}x | ${fmt(r.best)} | ${r.bestVsReference.toFixed(3)}x |`,
    ),
  ].join('\n')
}

/** CPU time of this process so far, in milliseconds. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
