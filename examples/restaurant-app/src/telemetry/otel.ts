import FastifyOtelInstrumentation from '@fastify/otel'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis'
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg'
import { NodeSDK } from '@opentelemetry/sdk-node'
import type { SpanProcessor } from '@opentelemetry/sdk-trace'
import { instrumentRc } from '@rc/otel'

// Query parameters that carry secrets here: Poster tokens (the fake Poster, in tests, runs in-process),
// OAuth codes, plus the instrumentation's own defaults (signed URLs), which a custom list replaces.
const REDACTED_QUERY = [
  'token',
  'access_token',
  'code',
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
]

export interface TelemetryOptions {
  /** Default: a batch processor exporting OTLP over HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  spanProcessors?: SpanProcessor[]
  serviceName?: string
}

export interface Telemetry {
  /** Flushes what is buffered and stops the SDK. */
  shutdown(): Promise<void>
}

/**
 * The OpenTelemetry Node SDK with HTTP, Fastify, pg and ioredis instrumentations, and the rc packages'
 * spans (@rc/otel) nested inside them. Must run before fastify, pg and ioredis are imported (they are
 * patched as they load): `src/telemetry/preload.ts` does that for `pnpm start` and the worker.
 */
export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  const contextManager = new AsyncLocalStorageContextManager()
  const sdk = new NodeSDK({
    serviceName: options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'restaurant-app',
    contextManager,
    ...(options.spanProcessors
      ? { spanProcessors: options.spanProcessors }
      : { traceExporter: new OTLPTraceExporter() }),
    // Traces only (the app's metrics are Prometheus, at /metrics): the SDK would otherwise start OTLP
    // metric and log exporters by default, and the HTTP instrumentation record a histogram per request.
    // OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER turn them on.
    ...(process.env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(process.env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
    instrumentations: [
      new HttpInstrumentation({
        redactedQueryParams: REDACTED_QUERY,
        redactedQueryParamsServer: REDACTED_QUERY,
      }),
      // Registers itself on every Fastify instance (diagnostics_channel): names the HTTP span by route.
      new FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false }),
      // Only inside a trace: BullMQ's polling and the pools' housekeeping would be traces of their own.
      new PgInstrumentation({ requireParentSpan: true }),
      // Command names only: arguments hold keys and values (the rc spans name what a key is for).
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    ],
  })
  sdk.start()
  // The SDK's own manager: @rc/otel binds its AsyncLocalStorage, so rc spans nest with the others.
  const rc = instrumentRc({ contextManager })
  return {
    async shutdown() {
      rc.disable()
      await sdk.shutdown()
    },
  }
}
