import {
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'

const tracer = () => trace.getTracer('restaurant-app/jobs')

export interface JobTraceInfo {
  /** 'bullmq' or 'in-process'. */
  system: string
  name: string
  id: string
  attempt?: number
}

/**
 * Wraps an enqueue in a producer span and hands `add` the W3C trace context (`traceparent`,
 * `tracestate`) to store with the job, as a JSON string (BullMQ's `opts.telemetry.metadata` format).
 * With no SDK started the carrier is undefined and nothing is stored.
 */
export async function traceEnqueue<T>(
  info: Omit<JobTraceInfo, 'id'>,
  add: (carrier: string | undefined) => Promise<T>,
): Promise<T> {
  if (!trace.getActiveSpan()) return add(undefined)
  return tracer().startActiveSpan(
    `send ${info.name}`,
    { kind: SpanKind.PRODUCER, attributes: attributesOf(info, 'send') },
    async (span) => {
      try {
        const carrier: Record<string, string> = {}
        propagation.inject(context.active(), carrier)
        return await add(Object.keys(carrier).length > 0 ? JSON.stringify(carrier) : undefined)
      } catch (error) {
        fail(span, error)
        throw error
      } finally {
        span.end()
      }
    },
  )
}

/**
 * Runs a job in a trace of its own, linked to the span that enqueued it: a job runs later than the
 * request that asked for it, may be retried for minutes, and may serve several deduplicated requests, so
 * it is not made a child of one request's trace (OpenTelemetry's messaging conventions allow either).
 */
export function runJobTraced<T>(
  info: JobTraceInfo,
  carrier: string | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const links: Link[] = []
  if (carrier) {
    try {
      const origin = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, JSON.parse(carrier)))
      if (origin) links.push({ context: origin })
    } catch {
      // A carrier we cannot read costs the link, not the job.
    }
  }
  return tracer().startActiveSpan(
    `process ${info.name}`,
    { kind: SpanKind.CONSUMER, root: true, links, attributes: attributesOf(info, 'process') },
    async (span) => {
      try {
        return await run()
      } catch (error) {
        fail(span, error)
        throw error
      } finally {
        span.end()
      }
    },
  )
}

function attributesOf(info: Omit<JobTraceInfo, 'id'> & { id?: string }, operation: 'send' | 'process') {
  return {
    'messaging.system': info.system,
    'messaging.operation.type': operation,
    'messaging.destination.name': info.name,
    ...(info.id ? { 'messaging.message.id': info.id } : {}),
    ...(info.attempt ? { 'rc.job.attempt': info.attempt } : {}),
  }
}

function fail(span: import('@opentelemetry/api').Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error))
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  })
}
