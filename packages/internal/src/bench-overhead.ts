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
  rows: { name: string; opsPerSec: number; vsReference: number }[]
  reference: string
  rounds: number
  iterations: number
}

/**
 * For the packages' tracing benches: each round runs every case once, in turn (every other round
 * in reverse), as a tight loop of
 * `iterations` awaited calls (after a tenth as many to warm up); figures are medians over
 * rounds, and a ratio pairs the runs of one round, so drift in the machine's load cancels out.
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
        const started = performance.now()
        for (let i = 0; i < options.iterations; i++) await c.call(i)
        samples.get(c.name)!.push((options.iterations / (performance.now() - started)) * 1000)
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
      return { name: c.name, opsPerSec: median(own), vsReference: median(own.map((o, i) => o / ref[i]!)) }
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
    `| case | ops/s (median of ${result.rounds} rounds) | vs ${result.reference} (median of per-round ratios) |`,
    '|---|---:|---:|',
    ...result.rows.map((r) => `| ${r.name} | ${fmt(r.opsPerSec)} | ${r.vsReference.toFixed(3)}x |`),
  ].join('\n')
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
