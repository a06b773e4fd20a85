import { listingRequests, measure, type Run } from './http'
import { type Child, startChild } from './processes'
import type { Setup } from './setup'

export interface OtelOptions {
  rate: number
  connections: number
  durationS: number
  warmupS: number
  rounds: number
}

export interface OtelResult {
  options: OtelOptions
  off: Run[]
  on: Run[]
  /** Spans the traced server exported over its whole life (warm-up included), and its requests. */
  spans: number
  requests: number
}

type Server = Child<{ type: 'ready'; url: string }, { type: 'stopped' }>

/**
 * The cached listing at a fixed rate against two servers of the same deployment, one with the
 * OpenTelemetry SDK on (bench/otel-preload.ts: every instrumentation and @rc/otel, in-memory exporter)
 * and one without; in interleaved rounds (each server once per round, the order alternating).
 */
export async function runOtelBench(setup: Setup, options: OtelOptions): Promise<OtelResult> {
  const env = { ...setup.env, CACHE: 'on', WORKER: 'off' }
  const servers: Server[] = []
  try {
    const off = await startChild<{ type: 'ready'; url: string }>('./server.ts', env)
    servers.push(off)
    const on = await startChild<{ type: 'ready'; url: string }>('./server.ts', env, {
      preload: './otel-preload.ts',
    })
    servers.push(on)
    const cases = { off, on }
    const requests = {
      off: await listingRequests(setup, off.ready.url, 'ingredients'),
      on: await listingRequests(setup, on.ready.url, 'ingredients'),
    }
    const runs: Record<'off' | 'on', Run[]> = { off: [], on: [] }
    let sent = 0
    for (const name of ['off', 'on'] as const) {
      const warm = await measure(
        cases[name].ready.url,
        requests[name],
        options.connections,
        options.rate,
        options.warmupS,
      )
      if (name === 'on') sent += warm.total + requests.on.length
    }
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)
      for (const name of order) {
        const run = await measure(
          cases[name].ready.url,
          requests[name],
          options.connections,
          options.rate,
          options.durationS,
        )
        runs[name].push(run)
        if (name === 'on') sent += run.total
      }
    }
    const spans = await new Promise<number>((resolve) => {
      const off = on.onMessage((message) => {
        if (message.type !== 'spans') return
        off()
        resolve(Number(message.spans))
      })
      on.send({ type: 'spans' })
    })
    return { options, ...runs, spans, requests: sent }
  } finally {
    for (const server of servers) await server.stop()
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export const OTEL_START = '<!-- otel-bench:start -->'
export const OTEL_END = '<!-- otel-bench:end -->'

export function renderOtelSection(
  result: OtelResult,
  meta: { startedAt: Date; loads: Record<string, string>; versions: { node: string } },
): string {
  const { options, on, off } = result
  const ms = (v: number) => `${v.toFixed(2)} ms`
  const ratios = on.map((r, i) => r.p99 / (off[i] as Run).p99)
  const ratio = median(ratios)
  const bad = [...on, ...off].reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0)
  const row = (name: string, runs: Run[]) =>
    `| ${name} | ${median(runs.map((r) => r.requestsPerS)).toFixed(0)} | ${ms(median(runs.map((r) => r.p50)))} | ${ms(median(runs.map((r) => r.p90)))} | ${ms(median(runs.map((r) => r.p99)))} | ${runs.map((r) => r.p99.toFixed(2)).join(', ')} | ${ms(Math.max(...runs.map((r) => r.max)))} |`
  return `${OTEL_START}
## Tracing overhead (\`bench/otel.ts\`, \`BENCH_ONLY=otel\`)

Run ${meta.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC (load average ${meta.loads.start} at the start,
${meta.loads.afterOtel ?? '-'} after; Node ${meta.versions.node}). The cached listing
(\`GET /api/restaurants/:id/ingredients\`, the HTTP bench's requests) at an offered ${options.rate} requests/s over
${options.connections} connections, against two servers of the same deployment started side by side: one with the
OpenTelemetry SDK on (\`bench/otel-preload.ts\`: the app's \`startTelemetry()\`, so the HTTP, Fastify, pg and
ioredis instrumentations and \`@rc/otel\`, into an in-memory exporter through a batch processor sized not to
drop spans), one without. ${options.warmupS} s of warm-up each, then ${options.rounds} interleaved rounds of ${options.durationS} s
(each server once per round, the order alternating); figures are medians over the rounds.

| SDK | requests/s | p50 | p90 | p99 | p99 per round (ms) | max |
| --- | ---------- | --- | --- | --- | ------------------ | --- |
${row('off', off)}
${row('on', on)}

p99 on / off, median of the per-round ratios: **${ratio.toFixed(2)}x** (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')});
target within 1.25x: **${ratio <= 1.25 ? 'met' : 'not met'}**. The traced server exported ${result.spans.toLocaleString('en')} spans
for ${result.requests.toLocaleString('en')} requests (${(result.spans / Math.max(1, result.requests)).toFixed(1)} per request: HTTP and
Fastify spans, session, membership and cache reads with their Redis commands, both rate decisions).
Non-2xx, errors and timeouts: ${bad}.
${OTEL_END}
`
}

/** The README with the tracing section replaced (or added at the end). */
export function replaceOtelSection(readme: string, section: string): string {
  const start = readme.indexOf(OTEL_START)
  const end = readme.indexOf(OTEL_END)
  if (start < 0 || end < 0) return `${readme.trimEnd()}\n\n${section}`
  return `${readme.slice(0, start)}${section.trimEnd()}${readme.slice(end + OTEL_END.length)}`
}
