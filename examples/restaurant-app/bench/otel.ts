import { listingRequests, logIn, measure, type Run } from './http'
import { type Child, startChild } from './processes'
import type { Setup } from './setup'

export interface OtelOptions {
  rate: number
  connections: number
  durationS: number
  warmupS: number
  rounds: number
}

interface Case {
  name: string
  /** bench/otel-preload.ts for the traced servers. */
  preload?: string
  env?: Record<string, string>
}

export interface OtelCaseResult {
  name: string
  runs: Run[]
  /** Spans the server exported over its whole life (warm-up included), and the requests it served. */
  spans?: number
  requests: number
  /** The server's CPU time (user + system) per request over the measured rounds, in µs. */
  cpuPerRequestUs: number
}

export interface OtelResult {
  options: OtelOptions
  cases: OtelCaseResult[]
}

type Server = Child<{ type: 'ready'; url: string }, { type: 'stopped' }>

/** One request/answer over the child's IPC channel. */
function ask(server: Server, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const off = server.onMessage((message) => {
      if (message.type !== type) return
      off()
      resolve(message)
    })
    server.send({ type })
  })
}
const cpuOf = async (server: Server) => {
  const { user, system } = await ask(server, 'cpu')
  return Number(user) + Number(system)
}

// Every request traced, and the usual production setting: a tenth of the traces, decided at the root.
const CASES: Case[] = [
  { name: 'off' },
  { name: 'on', preload: './otel-preload.ts' },
  {
    name: 'on, 10% sampled',
    preload: './otel-preload.ts',
    env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
  },
]

/**
 * The cached listing at a fixed rate against servers of the same deployment started side by side, one
 * without the OpenTelemetry SDK and two with it (bench/otel-preload.ts: every instrumentation and
 * @rc/otel, in-memory exporter), in interleaved rounds: each server once per round, the order rotating.
 */
export async function runOtelBench(setup: Setup, options: OtelOptions): Promise<OtelResult> {
  const env = { ...setup.env, CACHE: 'on', WORKER: 'off' }
  const servers: Server[] = []
  try {
    for (const c of CASES)
      servers.push(
        await startChild<{ type: 'ready'; url: string }>(
          './server.ts',
          { ...env, ...c.env },
          {
            ...(c.preload ? { preload: c.preload } : {}),
          },
        ),
      )
    // One login per user for all the servers: the login limits (30 per source per 15 min) apply.
    const sessions = await logIn(setup, (servers[0] as Server).ready.url)
    const requests = await Promise.all(
      servers.map((s) => listingRequests(setup, s.ready.url, 'ingredients', sessions)),
    )
    const results: OtelCaseResult[] = CASES.map((c, i) => ({
      name: c.name,
      runs: [],
      requests: requests[i]?.length ?? 0,
      cpuPerRequestUs: 0,
    }))
    const measured = CASES.map(() => ({ cpuUs: 0, requests: 0 }))
    const run = async (i: number, durationS: number) => {
      const server = servers[i] as Server
      const result = await measure(
        server.ready.url,
        requests[i] ?? [],
        options.connections,
        options.rate,
        durationS,
      )
      ;(results[i] as OtelCaseResult).requests += result.total
      return result
    }
    for (let i = 0; i < CASES.length; i++) await run(i, options.warmupS)
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < CASES.length; k++) {
        const i = (round + k) % CASES.length
        const before = await cpuOf(servers[i] as Server)
        const result = await run(i, options.durationS)
        ;(results[i] as OtelCaseResult).runs.push(result)
        const m = measured[i] as { cpuUs: number; requests: number }
        m.cpuUs += (await cpuOf(servers[i] as Server)) - before
        m.requests += result.total
      }
    }
    for (let i = 0; i < CASES.length; i++) {
      const m = measured[i] as { cpuUs: number; requests: number }
      ;(results[i] as OtelCaseResult).cpuPerRequestUs = m.cpuUs / Math.max(1, m.requests)
      if (!CASES[i]?.preload) continue
      ;(results[i] as OtelCaseResult).spans = Number((await ask(servers[i] as Server, 'spans')).spans)
    }
    return { options, cases: results }
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
  const { options, cases } = result
  const ms = (v: number) => `${v.toFixed(2)} ms`
  const off = cases[0] as OtelCaseResult
  const ratioOf = (c: OtelCaseResult) => c.runs.map((r, i) => r.p99 / (off.runs[i] as Run).p99)
  const row = (c: OtelCaseResult) => {
    const ratios = ratioOf(c)
    return `| ${c.name} | ${median(c.runs.map((r) => r.requestsPerS)).toFixed(0)} | ${ms(median(c.runs.map((r) => r.p50)))} | ${ms(median(c.runs.map((r) => r.p99)))} | ${c.runs.map((r) => r.p99.toFixed(1)).join(', ')} | ${c === off ? '-' : `${median(ratios).toFixed(2)}x (${ratios.map((r) => r.toFixed(2)).join(', ')})`} | ${c.spans === undefined ? '-' : (c.spans / Math.max(1, c.requests)).toFixed(1)} | ${c.cpuPerRequestUs.toFixed(0)} µs |`
  }
  const on = cases[1] as OtelCaseResult
  const sampled = cases[2] as OtelCaseResult
  const verdict = (c: OtelCaseResult) => (median(ratioOf(c)) <= 1.25 ? 'met' : 'not met')
  const bad = cases.flatMap((c) => c.runs).reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0)
  const share = Math.round(
    (100 * (sampled.cpuPerRequestUs - off.cpuPerRequestUs)) /
      Math.max(1, on.cpuPerRequestUs - off.cpuPerRequestUs),
  )
  return `${OTEL_START}
## Tracing overhead (\`bench/otel.ts\`, \`BENCH_ONLY=otel\`)

Run ${meta.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC (load average ${meta.loads.start} at the start,
${meta.loads.afterOtel ?? '-'} after; Node ${meta.versions.node}, 2 cores shared with other engineers' work). The cached
listing (\`GET /api/restaurants/:id/ingredients\`, the HTTP bench's requests) at an offered ${options.rate} requests/s over
${options.connections} connections, against three servers of the same deployment started side by side: without the
OpenTelemetry SDK, and with it (\`bench/otel-preload.ts\`: the app's \`startTelemetry()\`, so the HTTP, Fastify, pg and
ioredis instrumentations and \`@rc/otel\`, into an in-memory exporter through a batch processor sized not to drop
spans) tracing every request, or a tenth of them (\`OTEL_TRACES_SAMPLER=parentbased_traceidratio\`,
\`OTEL_TRACES_SAMPLER_ARG=0.1\`). ${options.warmupS} s of warm-up each, then ${options.rounds} interleaved rounds of ${options.durationS} s (each
server once per round, the order rotating); figures are medians over the rounds, the ratio is the median of
the per-round ratios of p99 to the untraced server's p99 in the same round.

| SDK | requests/s | p50 | p99 | p99 per round (ms) | p99 / off | spans per request | server CPU per request |
| --- | ---------- | --- | --- | ------------------ | --------- | ----------------- | ---------------------- |
${cases.map(row).join('\n')}

Target p99 within 1.25x of the untraced server: every request traced **${verdict(on)}**, a tenth sampled
**${verdict(sampled)}**. A traced request makes about 12 spans (HTTP server span, Fastify's request and handler
spans, session and membership reads, three rate decisions and the cache read with their Redis commands).
Non-2xx, errors and timeouts: ${bad}.

Where the time goes (V8 CPU profiles of both traced servers, \`BENCH_PROFILE=<dir>\`): most of the cost is paid per
request and per span *started*, sampled or not, which is why a tenth sampled still costs ${share}% of what
tracing everything does (in server CPU per request, this run): \`@opentelemetry/sdk-trace\` 3.1 sanitizes every span's attributes (\`cleanAttributes\`) and
builds it before the sampler's answer is of use, the HTTP instrumentation parses each request's attributes and
binds the request and response emitters to the context (\`context-async-hooks\` patches their listener methods),
and the context manager's AsyncLocalStorage runs on async_hooks on Node 20 (a hook on every promise; Node 24
replaces it with AsyncContextFrame). \`@rc/otel\`'s own
code is about 5% of the OpenTelemetry code's own CPU time.
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
