import {
  PosterAbortedError,
  PosterHttpError,
  PosterNetworkError,
  PosterRateLimitError,
  PosterResponseError,
  PosterTimeoutError,
} from '../errors'
import { posterErrorFor, readPosterError } from './error-body'
import type { PosterClientEvent } from './events'
import { redact, sanitizeCause } from './redact'
import { type AttemptFailure, parseRetryAfter } from './retry'

/** Everything one HTTP attempt needs. */
export interface AttemptRequest {
  method: string
  account: string
  token: string
  url: URL
  httpMethod: 'GET' | 'POST'
  body?: string
  timeoutMs: number
  attempt: number
  signal?: AbortSignal
  fetch: typeof fetch
  emit: (event: PosterClientEvent) => void
}

/** `status`: the HTTP status, when an answer arrived. */
export type AttemptResult =
  | { ok: true; response: unknown; status?: number }
  | { ok: false; failure: AttemptFailure; status?: number }

const NOT_DELIVERED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])

function fail(
  error: AttemptFailure['error'],
  transient: boolean,
  mayHaveReachedServer = true,
  retryAfterMs?: number,
): AttemptResult {
  return {
    ok: false,
    failure: {
      error,
      transient,
      mayHaveReachedServer,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
  }
}

function causeCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
  }
  return undefined
}

/** One request to Poster: fetch under a timeout, read the body, classify success or failure. */
export async function attempt(req: AttemptRequest): Promise<AttemptResult> {
  const context = { method: req.method, account: req.account }
  const timeout = new AbortController()
  const timer = setTimeout(() => timeout.abort(), req.timeoutMs)
  const signal = req.signal ? AbortSignal.any([req.signal, timeout.signal]) : timeout.signal
  const started = performance.now()
  req.emit({
    type: 'request',
    method: req.method,
    httpMethod: req.httpMethod,
    url: redact(req.url.toString(), req.token),
    attempt: req.attempt,
  })
  let status: number
  let text: string
  let retryAfter: string | null
  try {
    const response = await req.fetch(req.url, {
      method: req.httpMethod,
      headers:
        req.body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: req.body,
      signal,
    })
    status = response.status
    retryAfter = response.headers.get('retry-after')
    text = await response.text()
  } catch (error) {
    if (req.signal?.aborted) return fail(new PosterAbortedError(context), false)
    if (timeout.signal.aborted) return fail(new PosterTimeoutError(req.timeoutMs, context), true)
    const code = causeCode(error)
    return fail(
      new PosterNetworkError({ ...context, cause: sanitizeCause(error, req.token) }),
      true,
      code === undefined || !NOT_DELIVERED.has(code),
    )
  } finally {
    clearTimeout(timer)
  }
  req.emit({
    type: 'response',
    method: req.method,
    status,
    durationMs: performance.now() - started,
    attempt: req.attempt,
  })
  return { ...classify(status, text, retryAfter, context), status }
}

function classify(
  status: number,
  text: string,
  retryAfter: string | null,
  context: { method: string; account: string },
): AttemptResult {
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter)
    return fail(new PosterRateLimitError(retryAfterMs, context), true, true, retryAfterMs)
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    if (status >= 200 && status < 300) {
      // A 200 with a cut body is a transport accident, not a shape change: worth another GET.
      return fail(
        new PosterResponseError(`was not valid JSON (HTTP ${status}, ${text.length} bytes)`, [], context),
        true,
      )
    }
    body = undefined
  }
  // Poster answers errors with HTTP 200, so the body decides before the status does.
  const posterError = readPosterError(body)
  if (posterError) return fail(posterErrorFor(posterError, context), false)
  if (status < 200 || status >= 300) return fail(new PosterHttpError(status, context), status >= 500)
  if (typeof body !== 'object' || body === null) {
    return fail(new PosterResponseError('is not a JSON object', [], context), false)
  }
  if ('response' in body) return { ok: true, response: (body as { response: unknown }).response }
  // Deletes answer `{"success":1}` alone: a success with nothing to return.
  const success = (body as { success?: unknown }).success
  if (success === 1 || success === '1' || success === true) return { ok: true, response: undefined }
  return fail(
    new PosterResponseError(
      success === undefined ? 'has no "response" field' : `says success: ${JSON.stringify(success)}`,
      [],
      context,
    ),
    false,
  )
}
