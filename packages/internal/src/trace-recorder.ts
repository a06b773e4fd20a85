import { AsyncLocalStorage } from 'node:async_hooks'
import { tracingChannel } from 'node:diagnostics_channel'

/** One event a recorder saw. */
export interface TraceEvent {
  channel: string
  event: 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error'
  context: Record<string, unknown>
}

/** The span a recorder made current for an operation: what a bridge's `bindStore` would do. */
export interface RecordedSpan {
  channel: string
  context: Record<string, unknown>
}

/**
 * For tests of the packages' channels: subscribes to every event of `names` and binds one
 * AsyncLocalStorage to each start channel the way a tracing bridge does, noting for every context
 * the span that was current when it started (its parent). `stop()` unsubscribes.
 */
export function recordTraces(names: readonly string[]) {
  const als = new AsyncLocalStorage<RecordedSpan>()
  const events: TraceEvent[] = []
  const parents = new Map<object, RecordedSpan | undefined>()
  const undo: (() => void)[] = []
  for (const name of names) {
    const channel = tracingChannel<unknown, Record<string, unknown>>(name)
    const on = (event: TraceEvent['event']) => (context: unknown) =>
      events.push({ channel: name, event, context: context as Record<string, unknown> })
    const handlers = {
      start: on('start'),
      end: on('end'),
      asyncStart: on('asyncStart'),
      asyncEnd: on('asyncEnd'),
      error: on('error'),
    }
    channel.subscribe(handlers)
    channel.start.bindStore(als, (context) => {
      parents.set(context, als.getStore())
      return { channel: name, context }
    })
    undo.push(() => {
      channel.unsubscribe(handlers)
      channel.start.unbindStore(als)
    })
  }
  const contexts = (name?: string) => [
    ...new Set(events.filter((e) => name === undefined || e.channel === name).map((e) => e.context)),
  ]
  return {
    events,
    /** Distinct contexts seen, in start order (of one channel when named). */
    contexts,
    /** The event names one context went through, in order. */
    eventsOf: (context: object) => events.filter((e) => e.context === context).map((e) => e.event),
    /** The span current when `context` started: its parent's channel and context. */
    parentOf: (context: object) => parents.get(context),
    /** Every context seen as text, errors included with message, stack, cause and own fields. */
    serialized: () => JSON.stringify(contexts(), errorsAsText),
    clear: () => {
      events.length = 0
      parents.clear()
    },
    stop: () => {
      for (const u of undo) u()
    },
  }
}

export type TraceRecorder = ReturnType<typeof recordTraces>

function errorsAsText(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value
  return { ...value, name: value.name, message: value.message, stack: value.stack, cause: value.cause }
}
