import autocannon from 'autocannon'
import { startChild } from './processes'
import { PASSWORD, type Setup } from './setup'

export interface HttpOptions {
  cache: 'on' | 'off'
  path: 'suppliers' | 'ingredients'
  rate: number
  rateConnections: number
  maxConnections: number
  durationS: number
}

export interface Run {
  connections: number
  offeredRate: number | undefined
  requestsPerS: number
  total: number
  /** Mean body + headers per 2xx response. */
  bytesPerResponse: number
  p50: number
  p90: number
  p99: number
  max: number
  non2xx: number
  errors: number
  timeouts: number
  statuses: Record<string, number>
}

export interface HttpResult {
  options: HttpOptions
  atRate: Run
  max: Run
}

/**
 * autocannon against GET /api/restaurants/:id/<path> on a server child process started with
 * CACHE=on|off. Every request carries a real session (Bearer token from /api/auth/login) of the
 * user who manages that restaurant; each connection walks all 100 restaurants from its own
 * starting point, so requests spread evenly across tenants.
 */
export async function runHttpBench(setup: Setup, options: HttpOptions): Promise<HttpResult> {
  const server = await startChild<{ type: 'ready'; url: string }>('./server.ts', {
    ...setup.env,
    CACHE: options.cache,
    WORKER: 'off',
  })
  try {
    const url = server.ready.url
    const requests = await listingRequests(setup, url, options.path)
    await measure(url, requests, options.maxConnections, undefined, 3) // warm-up: JIT, pools, every cache entry
    const atRate = await measure(url, requests, options.rateConnections, options.rate, options.durationS)
    const max = await measure(url, requests, options.maxConnections, undefined, options.durationS)
    return { options, atRate, max }
  } finally {
    await server.stop()
  }
}

export interface BenchRequest {
  method: 'GET'
  path: string
  headers: Record<string, string>
}

/**
 * One listing request per restaurant, each with a real session (Bearer token from /api/auth/login) of
 * the user who manages that restaurant; checked to answer 200 with items (an empty list measures nothing).
 */
export async function listingRequests(
  setup: Setup,
  url: string,
  path: HttpOptions['path'],
  sessions?: Map<string, string>,
): Promise<BenchRequest[]> {
  const tokens = sessions ?? (await logIn(setup, url))
  const requests = setup.restaurants.map((r) => ({
    method: 'GET' as const,
    path: `/api/restaurants/${r.id}/${path}`,
    headers: { authorization: `Bearer ${tokens.get(r.user)}` },
  }))
  for (const request of requests) {
    const response = await fetch(`${url}${request.path}`, { headers: request.headers })
    const body = (await response.json()) as { items?: unknown[] }
    if (response.status !== 200 || !body.items?.length)
      throw new Error(`${request.path}: ${response.status}, ${body.items?.length ?? 0} items`)
  }
  return requests
}

/** A session per user; sessions live in Redis, so every server of the deployment accepts them. */
export async function logIn(setup: Setup, url: string): Promise<Map<string, string>> {
  const tokens = new Map<string, string>()
  for (const email of setup.users) {
    const response = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    })
    if (response.status !== 200) throw new Error(`login ${email}: ${response.status}`)
    tokens.set(email, ((await response.json()) as { token: string }).token)
  }
  return tokens
}

/** One autocannon run; each connection walks all the requests from its own starting point. */
export async function measure(
  url: string,
  requests: BenchRequest[],
  connections: number,
  rate: number | undefined,
  durationS: number,
): Promise<Run> {
  let nextClient = 0
  const latencies: number[] = []
  const options_: autocannon.Options = {
    url,
    connections,
    duration: durationS,
    ...(rate ? { overallRate: rate } : {}),
    requests,
    setupClient(client) {
      const offset = (nextClient++ * 37) % requests.length
      client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)])
    },
  }
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options_, (error, done) => (error ? reject(error) : resolve(done)))
    // Raw latencies to the microsecond: autocannon's histogram keeps whole milliseconds and, with
    // a rate, corrects for coordinated omission with an expected interval of ceil(1 / rate) ms
    // (1 ms here), adding synthetic samples below every real one.
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime)
    })
  })
  latencies.sort((a, b) => a - b)
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? 0
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats as Record<string, { count: number }>).map(([code, s]) => [
      code,
      s.count,
    ]),
  )
  return {
    connections,
    offeredRate: rate,
    requestsPerS: result.requests.total / durationS,
    total: result.requests.total,
    bytesPerResponse: result.throughput.total / Math.max(1, latencies.length),
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: latencies.at(-1) ?? 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
  }
}
