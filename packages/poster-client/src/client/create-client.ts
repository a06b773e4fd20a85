import { trace } from '@rc/internal'
import type { z } from 'zod'
import { toMs } from '../duration'
import { PosterAbortedError, PosterError, PosterResponseError } from '../errors'
import { createRateLimiter } from '../limiter/limiter'
import { memoryRateLimitStore } from '../limiter/memory-store'
import { type PosterAttemptContext, type PosterCallContext, tracedUrl, tracers } from '../tracing'
import { attempt } from './attempt'
import type { PosterClientEvent } from './events'
import { type PosterMethods, posterMethods } from './methods'
import type { CallOptions, PosterClientOptions } from './options'
import { appendParams, type PosterParams } from './query'
import { type AttemptFailure, backoffDelay, mayRetry, type RetryPolicy } from './retry'
import { sleep } from './sleep'

/** A Poster API client for one account. */
export interface PosterClient extends PosterMethods {
  readonly account: string
  /**
   * Any Poster method (`section.method`), e.g. `call('storage.getIngredientWriteOff', { dateFrom })`.
   * With a zod schema the `response` is parsed by it; without, it is returned as sent.
   */
  call<S extends z.ZodType>(
    method: string,
    params: PosterParams | undefined,
    schema: S,
    options?: CallOptions,
  ): Promise<z.output<S>>
  call(method: string, params?: PosterParams, schema?: undefined, options?: CallOptions): Promise<unknown>
}

const METHOD_NAME = /^[a-zA-Z]+\.[a-zA-Z0-9_]+$/
const WRITE_PREFIX = /^(create|update|remove|delete|add|set|close|change)/

function invalid(message: string): PosterError {
  return new PosterError('POSTER_INVALID_ARGUMENT', message)
}

/** The API base with a trailing slash, so `api/<method>` resolves below any path it has. */
function parseBaseUrl(value: string): URL {
  try {
    const url = new URL(value)
    return url.href.endsWith('/') ? url : new URL(`${url.href}/`)
  } catch {
    throw invalid(
      `baseUrl must be an absolute URL such as https://mycafe.joinposter.com, got ${JSON.stringify(value)}.`,
    )
  }
}

function positive(value: number | undefined, fallback: number, what: string): number {
  const n = value ?? fallback
  if (!(n > 0)) throw invalid(`${what} must be a positive number, got ${n}.`)
  return n
}

/**
 * Creates a client for one account: typed methods grouped by section, a FIFO per-account limiter,
 * retries with full-jitter backoff, and typed errors that never contain the token.
 */
export function createPosterClient(options: PosterClientOptions): PosterClient {
  const { account, token } = options
  if (typeof account !== 'string' || account.trim() === '')
    throw invalid('account must be a non-empty string.')
  if (typeof token !== 'string' || token.trim() === '') {
    throw invalid(
      `token for account "${account}" must be a non-empty string; pass the token saved at OAuth time.`,
    )
  }
  const baseUrl = parseBaseUrl(options.baseUrl ?? `https://${account}.joinposter.com`)
  const fetchImpl = options.fetch ?? globalThis.fetch
  const timeoutMs = toMs(options.timeout ?? '20s', 'timeout')
  const retry: RetryPolicy =
    options.retry === false
      ? { retries: 0, minDelayMs: 0, maxDelayMs: 0, maxElapsedMs: 0 }
      : {
          retries: options.retry?.retries ?? 5,
          minDelayMs: toMs(options.retry?.minDelay ?? '200ms', 'retry.minDelay'),
          maxDelayMs: toMs(options.retry?.maxDelay ?? '30s', 'retry.maxDelay'),
          maxElapsedMs: toMs(options.retry?.maxElapsed ?? '2m', 'retry.maxElapsed'),
        }
  const rate = options.rateLimit ?? {}
  const marginMs = toMs(rate.margin ?? 0, 'rateLimit.margin')
  const windows = [{ windowMs: 1000 + marginMs, limit: positive(rate.perSecond, 4, 'rateLimit.perSecond') }]
  if (rate.perMinute !== undefined) {
    windows.push({ windowMs: 60_000 + marginMs, limit: positive(rate.perMinute, 1, 'rateLimit.perMinute') })
  }
  const emit = (event: PosterClientEvent) => {
    try {
      options.onEvent?.(event)
    } catch {
      // A failing listener must not fail the call it observes.
    }
  }
  const limiter = createRateLimiter({
    key: account,
    store: rate.store ?? memoryRateLimitStore(),
    policy: {
      windows,
      maxConcurrent: positive(rate.maxConcurrent, 2, 'rateLimit.maxConcurrent'),
      // Longer than any attempt, so a lease only expires when its holder died.
      leaseMs: timeoutMs + 10_000,
    },
    onStoreError: (error, operation) =>
      emit({
        type: 'limiter-error',
        operation,
        message: error instanceof Error ? error.message : String(error),
      }),
  })

  async function call(
    method: string,
    params?: PosterParams,
    schema?: z.ZodType,
    callOptions: CallOptions = {},
  ) {
    if (!METHOD_NAME.test(method))
      throw invalid(`method must look like "section.method", got ${JSON.stringify(method)}.`)
    const httpMethod = callOptions.httpMethod ?? (WRITE_PREFIX.test(method.split('.')[1]!) ? 'POST' : 'GET')
    const url = new URL(`api/${method}`, baseUrl)
    url.searchParams.set('token', token)
    if (httpMethod === 'GET' && params) appendParams(url.searchParams, params)
    const body = httpMethod === 'POST' ? JSON.stringify(params ?? {}) : undefined
    const repeatable = httpMethod === 'GET' || callOptions.idempotent === true
    const signal = callOptions.signal
    const request = { method, url, httpMethod, body, repeatable, signal, schema }
    if (!tracers.call.hasSubscribers) return run(request, undefined)
    const context: PosterCallContext = { account, method, httpMethod, url: tracedUrl(url) }
    return trace(tracers.call, context, () => run(request, context))
  }

  /** A call past its argument checks: limiter, attempts, retries. `traced` gets its result fields. */
  async function run(
    request: {
      method: string
      url: URL
      httpMethod: 'GET' | 'POST'
      body: string | undefined
      repeatable: boolean
      signal: AbortSignal | undefined
      schema: z.ZodType | undefined
    },
    traced: PosterCallContext | undefined,
  ) {
    const { method, url, httpMethod, body, repeatable, signal, schema } = request
    const started = Date.now()

    for (let attemptNo = 0; ; attemptNo++) {
      const lease = await acquire(method, signal)
      let result: Awaited<ReturnType<typeof attempt>>
      let delay: number | undefined
      try {
        const req = {
          method,
          account,
          token,
          url,
          httpMethod,
          ...(body === undefined ? {} : { body }),
          timeoutMs,
          attempt: attemptNo,
          ...(signal ? { signal } : {}),
          fetch: fetchImpl,
          emit,
        }
        const plan = (r: Awaited<ReturnType<typeof attempt>>) =>
          r.ok ? undefined : nextDelay(r.failure, attemptNo, started, repeatable)
        if (tracers.attempt.hasSubscribers) {
          ;({ result, delay } = await tracedAttempt(req, traced?.url ?? tracedUrl(url), plan))
        } else {
          result = await attempt(req)
          delay = plan(result)
        }
      } finally {
        lease.release()
      }
      if (traced) {
        traced.attempts = attemptNo + 1
        traced.status = result.status
      }
      if (result.ok) {
        if (!schema) return result.response
        const parsed = schema.safeParse(result.response)
        if (parsed.success) return parsed.data
        throw report(
          new PosterResponseError('did not match its schema', parsed.error.issues, { method, account }),
        )
      }
      const failure = result.failure
      if (failure.retryAfterMs !== undefined) limiter.pause(failure.retryAfterMs)
      if (delay === undefined) throw report(failure.error)
      emit({ type: 'retry', method, attempt: attemptNo + 1, delayMs: delay, reason: failure.error.code })
      await sleep(delay, signal, () => new PosterAbortedError({ method, account }))
    }
  }

  /** A limiter slot for the next attempt, inside an `rc:poster-client:limiter` trace when someone listens. */
  async function acquire(method: string, signal: AbortSignal | undefined) {
    const queuedAt = performance.now()
    const take = () =>
      limiter.acquire(signal).catch((error: unknown) => {
        throw error instanceof PosterAbortedError ? new PosterAbortedError({ method, account }) : error
      })
    let lease: Awaited<ReturnType<typeof take>>
    if (tracers.limiter.hasSubscribers) {
      const context = { account, method, waitedMs: undefined as number | undefined }
      lease = await trace(tracers.limiter, context, async () => {
        try {
          return await take()
        } finally {
          context.waitedMs = performance.now() - queuedAt
        }
      })
    } else {
      lease = await take()
    }
    const waitedMs = performance.now() - queuedAt
    if (waitedMs >= 1) emit({ type: 'throttled', method, waitedMs })
    return lease
  }

  /**
   * One attempt inside an `rc:poster-client:attempt` trace: a failed attempt is published as an
   * error (its PosterError, which never holds the token), then handed back to the retry loop.
   */
  async function tracedAttempt(
    req: Parameters<typeof attempt>[0],
    shownUrl: string,
    plan: (result: Awaited<ReturnType<typeof attempt>>) => number | undefined,
  ) {
    const context: PosterAttemptContext = {
      account,
      method: req.method,
      httpMethod: req.httpMethod,
      url: shownUrl,
      attempt: req.attempt + 1,
    }
    let outcome: { result: Awaited<ReturnType<typeof attempt>>; delay: number | undefined } | undefined
    try {
      await trace(tracers.attempt, context, async () => {
        const result = await attempt(req)
        const delay = plan(result)
        outcome = { result, delay }
        if (result.status !== undefined) context.status = result.status
        if (!result.ok && result.failure.retryAfterMs !== undefined) {
          context.retryAfterMs = result.failure.retryAfterMs
        }
        context.willRetry = delay !== undefined
        if (!result.ok) throw result.failure.error
      })
    } catch (error) {
      if (!outcome) throw error
    }
    return outcome!
  }

  function nextDelay(failure: AttemptFailure, attemptNo: number, started: number, repeatable: boolean) {
    if (!mayRetry(failure, repeatable) || attemptNo >= retry.retries) return undefined
    const delay = Math.max(backoffDelay(retry, attemptNo), failure.retryAfterMs ?? 0)
    return Date.now() - started + delay > retry.maxElapsedMs ? undefined : delay
  }

  function report(error: PosterError): PosterError {
    emit({ type: 'error', method: error.method ?? '', code: error.code, message: error.message })
    return error
  }

  return { account, call: call as PosterClient['call'], ...posterMethods(call as PosterClient['call']) }
}
