import { isSpanContextValid, trace } from '@opentelemetry/api'

/**
 * A pino mixin: each log line written inside a traced request or job carries its `trace_id` and
 * `span_id` (the field names of OpenTelemetry's log data model), so logs and traces join up. Without an
 * SDK there is no active span and lines stay as they were.
 */
export function traceFields(): { trace_id?: string; span_id?: string; trace_flags?: string } {
  const span = trace.getActiveSpan()
  if (!span) return {}
  const { traceId, spanId, traceFlags } = span.spanContext()
  if (!isSpanContextValid(span.spanContext())) return {}
  return { trace_id: traceId, span_id: spanId, trace_flags: traceFlags.toString(16).padStart(2, '0') }
}
