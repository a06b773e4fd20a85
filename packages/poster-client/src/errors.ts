import { RcError } from '@rc/internal'
import type { z } from 'zod'
import { posterErrorCodes } from './client/error-codes'

/** Stable codes of every error @rc/poster-client throws. */
export type PosterErrorCode =
  | 'POSTER_INVALID_ARGUMENT'
  | 'POSTER_AUTH'
  | 'POSTER_PERMISSION'
  | 'POSTER_RATE_LIMITED'
  | 'POSTER_API'
  | 'POSTER_HTTP'
  | 'POSTER_NETWORK'
  | 'POSTER_TIMEOUT'
  | 'POSTER_RESPONSE'
  | 'POSTER_ABORTED'
  | 'POSTER_LIMITER_UNAVAILABLE'
  | 'POSTER_OAUTH'
  | 'POSTER_WEBHOOK_INVALID'
  | 'POSTER_TOKEN_TAMPERED'
  | 'POSTER_TOKEN_UNKNOWN_KEY'
  | 'POSTER_TOKEN_KEY_INVALID'
  | 'POSTER_TOKEN_MALFORMED'

interface PosterErrorOptions {
  cause?: unknown
  /** Poster method such as `storage.getSuppliers`. */
  method?: string
  /** Poster account (subdomain) the call was for. */
  account?: string
}

/**
 * Base class of every @rc/poster-client error: check `code`, not the message.
 * No error ever carries the access token: not in the message, a property or the cause.
 */
export class PosterError extends RcError<PosterErrorCode> {
  override readonly name: string = 'PosterError'
  /** The Poster method involved, when there is one. */
  declare readonly method?: string
  /** The Poster account involved, when there is one. */
  declare readonly account?: string

  constructor(code: PosterErrorCode, message: string, options: PosterErrorOptions = {}) {
    super('@rc/poster-client', code, message, { ...options })
  }
}

/** Poster rejected the token: 10 missing, 11 invalid or revoked, 12 expired (tokens live two years). */
export class PosterAuthError extends PosterError {
  override readonly name = 'PosterAuthError'
  /** Poster's numeric error code (10, 11 or 12). */
  readonly posterCode: number
  /** Always true: there is no refresh token, the restaurant must authorise the app again. */
  readonly needsReauthorization = true
  constructor(posterCode: number, posterMessage: string, options: PosterErrorOptions) {
    const what = posterCode === 10 ? 'missing' : posterCode === 12 ? 'expired' : 'invalid or revoked'
    super(
      'POSTER_AUTH',
      `Poster says the access token is ${what} (code ${posterCode}: ${posterMessage}) for ${options.method ?? 'a call'}; stop syncing this account and ask the restaurant to authorise the app again (Poster has no refresh token).`,
      options,
    )
    this.posterCode = posterCode
  }
}

/** The app was not granted the section of this method (20) or access is denied (54). */
export class PosterPermissionError extends PosterError {
  override readonly name = 'PosterPermissionError'
  readonly posterCode: number
  constructor(posterCode: number, posterMessage: string, options: PosterErrorOptions) {
    super(
      'POSTER_PERMISSION',
      `Poster refused ${options.method ?? 'the call'} (code ${posterCode}: ${posterMessage}); grant the app this section in its Poster settings and have the restaurant authorise it again.`,
      options,
    )
    this.posterCode = posterCode
  }
}

/** HTTP 429 that outlived the retry budget. */
export class PosterRateLimitError extends PosterError {
  override readonly name = 'PosterRateLimitError'
  /** Retry-After of the last answer in milliseconds, when Poster sent one. */
  readonly retryAfterMs?: number
  constructor(retryAfterMs: number | undefined, options: PosterErrorOptions) {
    super(
      'POSTER_RATE_LIMITED',
      `Poster answered 429 Too Many Requests for ${options.method ?? 'a call'}${retryAfterMs === undefined ? '' : ` (Retry-After ${retryAfterMs} ms)`} after all retries; lower rateLimit.perSecond for this account or share the limiter between instances with a Redis store.`,
      options,
    )
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs
  }
}

/** Any other error body from Poster (e.g. 32 id does not exist, 34 required field missing, 30 unknown method). */
export class PosterApiError extends PosterError {
  override readonly name = 'PosterApiError'
  /** Poster's numeric error code. */
  readonly posterCode: number
  /** Poster's own message. */
  readonly posterMessage: string
  /** The field Poster blamed, when it names one. */
  readonly field?: string
  /** What the code means in Poster's error table (`posterErrorCodes`), when it is listed there. */
  readonly description?: string
  constructor(
    posterCode: number,
    posterMessage: string,
    field: string | undefined,
    options: PosterErrorOptions,
  ) {
    const description = posterErrorCodes[posterCode]
    super(
      'POSTER_API',
      `Poster rejected ${options.method ?? 'the call'} with code ${posterCode}${description ? ` (${description})` : ''}: ${posterMessage}${field ? ` (field "${field}")` : ''}; check the parameters against Poster's documentation of this method.`,
      options,
    )
    this.posterCode = posterCode
    this.posterMessage = posterMessage
    if (field !== undefined) this.field = field
    if (description !== undefined) this.description = description
  }
}

/** A non-2xx answer without a Poster error body (e.g. 502 from a proxy) that outlived the retries. */
export class PosterHttpError extends PosterError {
  override readonly name = 'PosterHttpError'
  readonly status: number
  constructor(status: number, options: PosterErrorOptions) {
    super(
      'POSTER_HTTP',
      `Poster answered HTTP ${status} to ${options.method ?? 'a call'} after all retries; Poster may be down, try again later.`,
      options,
    )
    this.status = status
  }
}

/** The connection failed (refused, reset, DNS) after all retries. */
export class PosterNetworkError extends PosterError {
  override readonly name = 'PosterNetworkError'
  constructor(options: PosterErrorOptions) {
    super(
      'POSTER_NETWORK',
      `could not reach Poster for ${options.method ?? 'a call'} after all retries; check connectivity and baseUrl.`,
      options,
    )
  }
}

/** An attempt took longer than `timeout` and no retry was left (or allowed). */
export class PosterTimeoutError extends PosterError {
  override readonly name = 'PosterTimeoutError'
  readonly timeoutMs: number
  constructor(timeoutMs: number, options: PosterErrorOptions) {
    super(
      'POSTER_TIMEOUT',
      `${options.method ?? 'a call'} got no answer from Poster within ${timeoutMs} ms; Poster's first call after idle can take 4-5 s, so keep timeout near 20 s.`,
      options,
    )
    this.timeoutMs = timeoutMs
  }
}

/** Poster's answer was not JSON or did not match the method's schema. */
export class PosterResponseError extends PosterError {
  override readonly name = 'PosterResponseError'
  /** zod issues; empty when the body was not JSON at all. */
  readonly issues: z.core.$ZodIssue[]
  constructor(what: string, issues: z.core.$ZodIssue[], options: PosterErrorOptions & { method: string }) {
    super(
      'POSTER_RESPONSE',
      `the answer of ${options.method} ${what}; pass your own schema to call() if Poster changed this method's shape.`,
      options,
    )
    this.issues = issues
  }
}

/** The caller's AbortSignal fired while the call waited or ran. */
export class PosterAbortedError extends PosterError {
  override readonly name = 'PosterAbortedError'
  constructor(options: PosterErrorOptions) {
    super('POSTER_ABORTED', `${options.method ?? 'the call'} was aborted by its signal.`, options)
  }
}

/**
 * The OAuth code exchange failed: Poster's `{code, error_type, error_message}` shape, its flat
 * `{error, message, field}` shape, or a transport error.
 */
export class PosterOAuthError extends PosterError {
  override readonly name = 'PosterOAuthError'
  readonly posterCode?: number
  readonly errorType?: string
  /** The field Poster blamed (e.g. `application_id`), when it names one. */
  readonly field?: string
  constructor(
    message: string,
    details: { posterCode?: number; errorType?: string; field?: string; cause?: unknown } = {},
  ) {
    super('POSTER_OAUTH', `OAuth code exchange failed: ${message}`, {
      cause: details.cause,
    })
    if (details.posterCode !== undefined) this.posterCode = details.posterCode
    if (details.errorType !== undefined) this.errorType = details.errorType
    if (details.field !== undefined) this.field = details.field
  }
}

/**
 * Why a webhook was rejected: `future` is a `time` ahead of the clock by more than `maxSkew` (a
 * forged or replayed-ahead event; Poster stamps each send).
 */
export type WebhookRejection = 'malformed' | 'missing-field' | 'bad-signature' | 'stale' | 'future'

/** A webhook failed verification or parsing; `reason` says why. */
export class PosterWebhookError extends PosterError {
  override readonly name = 'PosterWebhookError'
  readonly reason: WebhookRejection
  constructor(reason: WebhookRejection, detail: string) {
    super('POSTER_WEBHOOK_INVALID', `webhook rejected (${reason}): ${detail}`)
    this.reason = reason
  }
}

/** Errors of the token cipher; `code` tells tampering from configuration mistakes. */
export class PosterTokenCipherError extends PosterError {
  override readonly name = 'PosterTokenCipherError'
}
