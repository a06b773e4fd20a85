import { type TracingChannel, tracingChannel } from 'node:diagnostics_channel'

/** What Node adds to every traced context: the failure, when there is one. */
export interface TracedContext {
  /** Set by Node when the operation fails (see each package's README for what an error may carry). */
  error?: unknown
  /**
   * Set by Node when the operation settles; always `undefined` here: a return value may carry
   * cached values, rows or API answers, so packages publish documented result fields instead.
   */
  result?: undefined
}

/** One operation's TracingChannel; `C` is the context type the package documents. */
export type Tracer<C extends object> = TracingChannel<unknown, C>

/** The TracingChannel `rc:<package>:<operation>` (events `tracing:<name>:start` and so on). */
export function tracer<C extends object>(name: string): Tracer<C> {
  return tracingChannel<unknown, C>(name)
}

/**
 * Runs `fn` and returns its promise. With no subscriber that is all: no context is built and
 * nothing wraps the call. Otherwise `fn` runs inside `channel.tracePromise`, so a subscriber's
 * `start.bindStore` is current for everything the operation calls (that is how spans nest), and
 * gets the context to fill in its result fields. The traced promise resolves to `undefined`: the
 * caller gets the value, subscribers never see it. `publicError` replaces what subscribers see of
 * a failure (the caller still gets the original error) when an error may carry secrets.
 *
 * Hot paths check `channel.hasSubscribers` themselves before reaching here, so that the
 * untraced call does not even allocate the two closures.
 */
export function traced<C extends object, R>(
  channel: Tracer<C>,
  context: () => C,
  fn: (context: C | undefined) => Promise<R>,
  publicError?: (error: unknown) => unknown,
): Promise<R> {
  if (!channel.hasSubscribers) return fn(undefined)
  return trace(channel, context(), fn, publicError)
}

/** `traced` once the caller knows someone listens and has built the context. */
export function trace<C extends object, R>(
  channel: Tracer<C>,
  context: C,
  fn: (context: C) => Promise<R>,
  publicError?: (error: unknown) => unknown,
): Promise<R> {
  let value: R
  let failure: { error: unknown } | undefined
  const hide = (result: R) => {
    value = result
  }
  const note = (error: unknown) => {
    failure = { error }
    throw publicError ? publicError(error) : error
  }
  // Plain promise callbacks rather than an async wrapper: one hop fewer on every traced call.
  const run = (): Promise<void> => {
    let pending: Promise<R>
    try {
      pending = fn(context)
    } catch (error) {
      pending = Promise.reject(error)
    }
    return pending.then(hide, note)
  }
  return channel.tracePromise(run, context).then(
    () => value,
    (error) => {
      throw failure ? failure.error : error
    },
  )
}
