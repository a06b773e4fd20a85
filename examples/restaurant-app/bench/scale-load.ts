/*
 * The scale bench's HTTP load: autocannon against several instances at once, each connection walking its
 * own random draw of the restaurants, latencies kept to the microsecond.
 */
import autocannon from 'autocannon'

export interface Quantiles {
  p50: number
  p90: number
  p99: number
  max: number
}

export const quantiles = (sorted: number[]): Quantiles => {
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) ?? 0 }
}

export interface Target {
  url: string
  requests: Array<{ method: 'GET'; path: string; headers: Record<string, string> }>
}

/** Requests sent this soon after a run's start are served but not counted in its latencies. */
const SETTLE_MS = 1_000

/** Requests in each connection's list. */
const WALK = 1_000

/** A seeded shuffle (mulberry32): each connection draws its own random walk of the restaurants. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/**
 * autocannon against each target at once, `rate / targets` each (`rate` undefined: as fast as it goes);
 * every 2xx latency, to the microsecond. Each connection walks 1,000 random restaurants of all in its own order,
 * as requests through a round-robin balancer would arrive: no instance sees a subset of the tenants.
 * With `ranges`, connection k of target t walks the k-th contiguous slice instead, once (`amount`).
 */
export async function load(
  targets: Target[],
  run: { rate?: number; connections: number; durationS?: number; ranges?: boolean; seed?: number },
) {
  const latencies: number[] = []
  const results = await Promise.all(
    targets.map((target, t) => {
      let nextClient = 0
      const slices = targets.length * run.connections
      const size = Math.ceil(target.requests.length / slices)
      return new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            url: target.url,
            connections: run.connections,
            ...(run.ranges
              ? { amount: Math.ceil(target.requests.length / targets.length) }
              : { duration: run.durationS! }),
            ...(run.rate ? { overallRate: run.rate / targets.length } : {}),
            requests: target.requests,
            setupClient(client) {
              const k = nextClient++
              if (run.ranges) {
                const from = (t * run.connections + k) * size
                client.setRequests(target.requests.slice(from, from + size))
              }
              // A random 1,000 of them (more than a connection sends in a run): autocannon prepares every
              // request of a list up front, and 10,000 per connection blocked this process for seconds,
              // which showed as seconds of latency on the connections already sending.
              else
                client.setRequests(
                  shuffled(target.requests, (run.seed ?? 1) * 1000 + t * 100 + k).slice(0, WALK),
                )
            },
          },
          (error, done) => (error ? reject(error) : resolve(done)),
        )
        const started = performance.now()
        instance.on('response', (_client, statusCode, _bytes, responseTime) => {
          // Requests sent in the run's first second are not counted: autocannon sets up every connection
          // (its request list included) synchronously at the start, and on a loaded machine the first
          // requests' answers then wait for that, which is this process' cost, not the server's.
          const sentAt = performance.now() - responseTime - started
          if (statusCode >= 200 && statusCode < 300 && (run.ranges || sentAt >= SETTLE_MS))
            latencies.push(responseTime)
        })
      })
    }),
  )
  latencies.sort((a, b) => a - b)
  const sum = (f: (r: autocannon.Result) => number) => results.reduce((t, r) => t + f(r), 0)
  const seconds = run.durationS ?? Math.max(...results.map((r) => r.duration))
  return {
    ...quantiles(latencies),
    requests: sum((r) => r.requests.total),
    requestsPerS: sum((r) => r.requests.total) / seconds,
    bytesPerResponse: sum((r) => r.throughput.total) / Math.max(1, latencies.length),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
  }
}
