import { tracingChannel } from 'node:diagnostics_channel'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace'

/** An SDK as an app sets one up: a global provider and the AsyncLocalStorage context manager. */
export function startSdk(options: { contextManager?: boolean } = {}) {
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
  const manager = new AsyncLocalStorageContextManager()
  if (options.contextManager !== false) context.setGlobalContextManager(manager.enable())
  trace.setGlobalTracerProvider(provider)
  return {
    exporter,
    provider,
    manager,
    spans: () => exporter.getFinishedSpans(),
    async stop() {
      await provider.shutdown()
      trace.disable()
      context.disable()
    },
  }
}

/** Publishes one traced operation exactly as a package does (`tracePromise` on the named channel). */
export function traced<T>(name: string, ctx: object, fn: () => Promise<T>): Promise<T> {
  return tracingChannel(name).tracePromise(fn, ctx)
}

export const byName = (spans: ReadableSpan[], name: string): ReadableSpan => {
  const found = spans.find((s) => s.name === name)
  if (!found) throw new Error(`no span ${name} in ${spans.map((s) => s.name).join(', ')}`)
  return found
}

export const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId
export const tick = () => new Promise((resolve) => setTimeout(resolve, 1))
