import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppProcess, startEmbedded } from './app-process'

// What the README says to run: the preload with OTEL_EXPORTER_OTLP_ENDPOINT, spans arriving over OTLP/HTTP
// at a receiver on loopback. Embedded mode (PGlite, memory stores): no services needed.
interface OtlpSpan {
  name: string
  traceId: string
  spanId: string
  parentSpanId?: string
  attributes?: { key: string; value: Record<string, unknown> }[]
}
const spans: { scope: string; service: string; span: OtlpSpan }[] = []
let receiver: Server
let endpoint: string
let app: AppProcess | undefined

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const data = JSON.parse(body)
        for (const rs of data.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a: { key: string }) => a.key === 'service.name')
          for (const ss of rs.scopeSpans ?? [])
            for (const span of ss.spans ?? [])
              spans.push({ scope: ss.scope?.name, service: service?.value?.stringValue, span })
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
})

afterAll(async () => {
  app?.kill()
  await new Promise((resolve) => receiver?.close(resolve))
})

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes?.find((a) => a.key === key)?.value
  return value ? Object.values(value)[0] : undefined
}

describe('the preload (src/telemetry/preload.ts) with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports the HTTP route, the rc spans nested in it and the service name over OTLP/HTTP; flushes on SIGTERM', async () => {
    app = await startEmbedded(
      {
        DATA_DIR: ':memory:',
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_SERVICE_NAME: 'restaurant-app-test',
      },
      // The `start` script's command line.
      ['--import', './src/telemetry/preload.ts'],
    )
    const { url } = app
    const output = app.output()
    const password = /admin@example\.com \/ (\S+)/.exec(output)?.[1] as string
    const restaurant = /fake Poster: \S+ with ([\w-]+)/.exec(output)?.[1] as string
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password }),
    })
    const { token } = (await login.json()) as { token: string }
    const listing = await fetch(`${url}/api/restaurants/${restaurant}/ingredients`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(listing.status).toBe(200)

    // SIGTERM: main.ts flushes the batch before it exits.
    expect(await app.stop()).toBe(0)

    const server = spans.find(
      (s) =>
        attribute(s.span, 'http.route') === '/api/restaurants/:restaurantId/ingredients' &&
        !s.span.parentSpanId,
    )
    expect(
      server,
      `spans received: ${spans.map((s) => s.span.name).join(', ')}\n${app.output()}`,
    ).toBeDefined()
    expect(server?.service).toBe('restaurant-app-test')
    const trace = spans.filter((s) => s.span.traceId === server?.span.traceId)
    const names = trace.map((s) => s.span.name)
    expect(names).toContain('rate-tiers decide')
    const getOrSet = trace.find(
      (s) =>
        s.span.name === 'cache getOrSet' &&
        String(attribute(s.span, 'rc.cache.key')).startsWith('ingredients:'),
    )
    expect(getOrSet?.scope).toBe('@rc/otel')
    expect(trace.some((s) => s.scope === '@opentelemetry/instrumentation-http')).toBe(true)
    // Every span of the request's trace hangs under its HTTP server span.
    const ids = new Set(trace.map((s) => s.span.spanId))
    expect(trace.every((s) => s === server || (s.span.parentSpanId && ids.has(s.span.parentSpanId)))).toBe(
      true,
    )
  }, 120_000)
})
