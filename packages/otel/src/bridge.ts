import type { AsyncLocalStorage } from 'node:async_hooks'
import { tracingChannel } from 'node:diagnostics_channel'
import {
  type Context,
  context,
  isSpanContextValid,
  type Span,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import type { SpanRecipe } from './recipe'

interface Settled {
  error?: unknown
}

/** The error's stable code if it has one (the rc packages' errors do), else its class name. */
function errorType(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, name } = error as { code?: unknown; name?: unknown }
    if (typeof code === 'string' && code) return code
    if (typeof name === 'string' && name) return name
  }
  return typeof error
}

/**
 * Subscribes one tracing channel: a span per traced call, current for the call's duration when `storage`
 * is the active context manager's AsyncLocalStorage (`start.bindStore`), ended when the promise settles.
 * Returns the unsubscribe function.
 *
 * A throwing subscriber or store transform would surface as an uncaught exception in the app (that is how
 * diagnostics_channel reports them), so every handler here swallows its own failures.
 */
export function bridge(
  recipe: SpanRecipe,
  tracer: Tracer,
  storage: AsyncLocalStorage<Context> | undefined,
): () => void {
  const channel = tracingChannel<object, object>(recipe.channel)
  const spans = new WeakMap<object, Span>()

  /**
   * Inside a trace its root decided not to sample, an rc span would be a non-recording span anyway with
   * parent-based sampling (the SDK's default and the usual production setting): skip it, and the
   * attributes with it. rc spans follow their parent's sampling decision.
   */
  const unsampled = (parent: Context): boolean => {
    const spanContext = trace.getSpanContext(parent)
    return (
      spanContext !== undefined &&
      isSpanContextValid(spanContext) &&
      (spanContext.traceFlags & TraceFlags.SAMPLED) === 0
    )
  }
  const open = (ctx: object, parent: Context): Span | undefined => {
    if (unsampled(parent)) return undefined
    const span = tracer.startSpan(
      recipe.name(ctx),
      { kind: recipe.kind, attributes: recipe.attributes(ctx) },
      parent,
    )
    spans.set(ctx, span)
    return span
  }
  const finish = (ctx: object) => {
    const span = spans.get(ctx)
    if (!span) return
    spans.delete(ctx)
    try {
      recipe.result?.(ctx, span)
    } finally {
      span.end()
    }
  }
  const safely =
    (fn: (ctx: object) => void) =>
    (ctx: object): void => {
      try {
        fn(ctx)
      } catch {
        // A span we could not build or finish is lost; the operation itself must not be.
      }
    }

  const transform = (ctx: object): Context => {
    const parent = context.active()
    try {
      const span = open(ctx, parent)
      return span ? trace.setSpan(parent, span) : parent
    } catch {
      return parent
    }
  }
  if (storage) channel.start.bindStore(storage, transform)

  const handlers = {
    start: safely((ctx) => {
      if (!storage) open(ctx, context.active())
    }),
    end: safely((ctx) => {
      // A synchronous throw publishes error, then end, and never asyncEnd.
      if ((ctx as Settled).error !== undefined) finish(ctx)
    }),
    asyncStart: () => {},
    asyncEnd: safely(finish),
    error: safely((ctx) => {
      const span = spans.get(ctx)
      const error = (ctx as Settled).error
      if (!span) return
      span.recordException(error instanceof Error ? error : String(error))
      span.setAttribute('error.type', errorType(error))
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      })
    }),
  }
  channel.subscribe(handlers)

  return () => {
    channel.unsubscribe(handlers)
    if (storage) channel.start.unbindStore(storage)
  }
}
