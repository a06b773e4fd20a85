// `node --import ./src/telemetry/preload.ts`: starts OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is
// set, before the app's first import. With it unset, nothing of the SDK is even loaded.
import { register } from 'node:module'
import { setTelemetry } from './active'

if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  // ESM imports of fastify, pg and ioredis are patched through this loader hook (import-in-the-middle).
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url)
  const { startTelemetry } = await import('./otel')
  setTelemetry(startTelemetry())
}
