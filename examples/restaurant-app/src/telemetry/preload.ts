// `node --import ./src/telemetry/preload.ts`: starts OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is
// set, before the app's first import. With it unset, nothing of the SDK is even loaded.
import { setTelemetry } from './active'
import { registerEsmHook } from './esm-hook'

if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  // ESM imports of fastify, pg and ioredis are patched through this loader hook (import-in-the-middle).
  registerEsmHook()
  const { startTelemetry } = await import('./otel')
  setTelemetry(startTelemetry())
}
