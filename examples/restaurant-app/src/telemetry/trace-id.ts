import { randomBytes } from 'node:crypto'
import { isSpanContextValid, trace } from '@opentelemetry/api'

/**
 * The trace id of the OpenTelemetry span active here (set by src/telemetry/otel.ts when
 * OTEL_EXPORTER_OTLP_ENDPOINT is on), or undefined: without an SDK registered the API's span is a no-op.
 */
export function activeTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext()
  return context && isSpanContextValid(context) ? context.traceId : undefined
}

/** A fresh W3C trace id (32 hex, not all zeros) for an error no span covers. */
export function newTraceId(): string {
  for (;;) {
    const id = randomBytes(16).toString('hex')
    if (!/^0+$/.test(id)) return id
  }
}
