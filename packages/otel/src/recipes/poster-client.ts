import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { rcChannels } from '../channels'
import type { SpanRecipe } from '../recipe'

/** The fields of the @rc/poster-client contexts this package reads. */
export interface PosterContext {
  account: string
  method: string
  httpMethod?: string
  url?: string
  attempt?: number
  status?: number
  attempts?: number
  retryAfterMs?: number
  willRetry?: boolean
  waitedMs?: number
  /** Set by Node when the attempt failed (a 429 or 5xx publishes its PosterError, retried or not). */
  error?: unknown
}

/**
 * The package already replaces the token with REDACTED; a URL that still carries a token value (a
 * package that broke the contract) is scrubbed here too, since a span is the last place it must reach.
 */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|access_token)=)(?!REDACTED(?:&|$))[^&#]*/gi, '$1REDACTED')
}

function server(url: string | undefined): { address?: string; port?: number } {
  if (!url) return {}
  try {
    const parsed = new URL(url)
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80
    return { address: parsed.hostname, port }
  } catch {
    return {}
  }
}

export function posterRecipes(): SpanRecipe<PosterContext>[] {
  // The logical call (all its attempts): internal, named after the Poster method.
  const call: SpanRecipe<PosterContext> = {
    channel: rcChannels.posterClient.call,
    kind: SpanKind.INTERNAL,
    name: (ctx) => `poster ${ctx.method}`,
    attributes: (ctx) => ({
      'rc.poster.account': ctx.account,
      'rc.poster.method': ctx.method,
      'http.request.method': ctx.httpMethod,
      'url.full': ctx.url ? redactUrl(ctx.url) : undefined,
    }),
    result: (ctx, span) =>
      span.setAttributes({ 'http.response.status_code': ctx.status, 'rc.poster.attempts': ctx.attempts }),
  }
  // One HTTP request: the HTTP client span of the semantic conventions (a resend is a span of its own).
  const attempt: SpanRecipe<PosterContext> = {
    channel: rcChannels.posterClient.attempt,
    kind: SpanKind.CLIENT,
    name: (ctx) => ctx.httpMethod ?? 'HTTP',
    attributes: (ctx) => {
      const { address, port } = server(ctx.url)
      const resends = (ctx.attempt ?? 1) - 1
      return {
        'http.request.method': ctx.httpMethod,
        'url.full': ctx.url ? redactUrl(ctx.url) : undefined,
        'server.address': address,
        'server.port': port,
        'http.request.resend_count': resends > 0 ? resends : undefined,
        'rc.poster.account': ctx.account,
        'rc.poster.method': ctx.method,
        'rc.poster.attempt': ctx.attempt,
      }
    },
    result: (ctx, span) => {
      span.setAttributes({
        'http.response.status_code': ctx.status,
        'rc.poster.retry_after_ms': ctx.retryAfterMs,
        'rc.poster.will_retry': ctx.willRetry,
      })
      // HTTP client spans: a 4xx or 5xx answer is an error (semantic conventions), retried or not.
      // When the package published the failure, the error handler already set the status and its message.
      if (ctx.status !== undefined && ctx.status >= 400) {
        span.setAttribute('error.type', String(ctx.status))
        if (ctx.error === undefined) span.setStatus({ code: SpanStatusCode.ERROR })
      }
    },
  }
  const limiter: SpanRecipe<PosterContext> = {
    channel: rcChannels.posterClient.limiter,
    kind: SpanKind.INTERNAL,
    name: () => 'poster limiter',
    attributes: (ctx) => ({ 'rc.poster.account': ctx.account, 'rc.poster.method': ctx.method }),
    result: (ctx, span) => span.setAttributes({ 'rc.poster.limiter.waited_ms': ctx.waitedMs }),
  }
  return [call, attempt, limiter]
}
