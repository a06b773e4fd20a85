import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** The app's Prometheus metrics, on a registry of its own (several apps can share a process in tests). */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    cacheEvents: new Counter({
      name: 'cache_events_total',
      help: 'Cache hits, misses, loads, stale values served, fallbacks and errors',
      labelNames: ['event'] as const,
      registers: [registry],
    }),
    rateLimitDenials: new Counter({
      name: 'rate_limit_denials_total',
      help: 'Requests answered 429 by the plan limits',
      labelNames: ['tier', 'bucket'] as const,
      registers: [registry],
    }),
    loginChecks: new Counter({
      name: 'login_password_checks_total',
      help: 'Password checks (scrypt) run for logins, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    loginThrottled: new Counter({
      name: 'login_throttled_total',
      help: 'Logins refused before any password check, by the limit that refused them',
      labelNames: ['limit'] as const,
      registers: [registry],
    }),
    posterCalls: new Counter({
      name: 'poster_api_calls_total',
      help: 'Poster API responses by method and HTTP status',
      labelNames: ['method', 'status'] as const,
      registers: [registry],
    }),
    posterLatency: new Histogram({
      name: 'poster_api_duration_seconds',
      help: 'Poster API call latency per attempt',
      labelNames: ['method'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers: [registry],
    }),
    posterErrors: new Counter({
      name: 'poster_api_errors_total',
      help: 'Poster API calls that failed after retries, by error code',
      labelNames: ['method', 'code'] as const,
      registers: [registry],
    }),
    posterRetries: new Counter({
      name: 'poster_api_retries_total',
      help: 'Poster API attempts retried, by reason',
      labelNames: ['method', 'reason'] as const,
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'sync_jobs_total',
      help: 'Sync jobs by outcome',
      labelNames: ['name', 'outcome'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'sync_queue_jobs',
      help: 'Sync queue jobs by state (sampled at scrape)',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    webhookEvents: new Counter({
      name: 'webhook_events_total',
      help: 'Poster webhooks by outcome (handled, duplicate, ignored, rejected, rate_limited) and reason',
      labelNames: ['outcome', 'reason'] as const,
      registers: [registry],
    }),
    posterBreakerOpened: new Counter({
      name: 'poster_breaker_opened_total',
      help: 'Times an account kept failing on Poster’s side and its syncs started backing off',
      registers: [registry],
    }),
    posterSupplies: new Counter({
      name: 'poster_supplies_total',
      help: 'Received orders sent to Poster as supplies, by outcome of each attempt',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
