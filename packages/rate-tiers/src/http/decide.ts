import { rateLimitBody, rateLimitContentType } from '../body'
import type { RateTiers } from '../core/create-rate-tiers'
import { type RateLimitHeadersOptions, rateLimitHeaders } from '../headers'
import type { RateDecision } from '../types'

type Maybe<T> = T | Promise<T>

/** Options every adapter shares; `Req` is the framework's request. */
export interface RateTiersHttpOptions<Req> {
  /** The limiter from `createRateTiers`. */
  tiers: RateTiers
  /** Who is limited (tenant, location, API key). Return undefined to let the request through unlimited. */
  key: (request: Req) => Maybe<string | undefined>
  /** The caller's plan. An unknown tier is an error (a 500), never a silent allow. */
  tier: (request: Req) => Maybe<string>
  /** Bucket(s) to charge; a function picks per request. Default `'api'`. */
  bucket?: string | readonly string[] | ((request: Req) => string | readonly string[])
  /** Units per request; default 1. */
  cost?: number | ((request: Req) => number)
  /** Put in the 429 body so customers know where to upgrade. */
  upgradeUrl?: string
  /** 429 body format: the original app's JSON (default) or `'problem+json'`. */
  body?: 'json' | 'problem+json'
  /** Which header families to send; default both. */
  headers?: RateLimitHeadersOptions
  /** Give the units back when the response status is below 400. Default false. */
  skipSuccessful?: boolean
  /** Give the units back when the response status is 400 or above. Default false. */
  skipFailed?: boolean
}

/** Per-route overrides (Fastify route `config.rateTiers`). */
export interface RouteLimit {
  bucket?: string | readonly string[]
  cost?: number
}

/** What an adapter writes back. */
export interface HttpOutcome {
  decision: RateDecision
  headers: Record<string, string>
  /** Present when the request is denied: a 429 with this body. */
  denied?: { status: 429; contentType: string; body: string }
  /**
   * Call once when the response has ended (or was abandoned): refunds per `skipSuccessful` /
   * `skipFailed` and releases concurrency leases. Never rejects (store errors go to `onEvent`).
   */
  done(status: number): Promise<void>
}

const nothing = () => Promise.resolve()

/** Resolves key, tier, bucket and cost from the request and consumes; undefined when not limited. */
export async function decideRequest<Req>(
  options: RateTiersHttpOptions<Req>,
  request: Req,
  route: RouteLimit = {},
): Promise<HttpOutcome | undefined> {
  const key = await options.key(request)
  if (key === undefined) return undefined
  const tier = await options.tier(request)
  const bucketOption = route.bucket ?? options.bucket ?? 'api'
  const bucket = typeof bucketOption === 'function' ? bucketOption(request) : bucketOption
  const cost = route.cost ?? (typeof options.cost === 'function' ? options.cost(request) : options.cost)
  const { tiers } = options
  const decision = await tiers.consume(
    typeof bucket === 'string' ? { key, tier, bucket, cost } : { key, tier, buckets: bucket, cost },
  )
  const headers = rateLimitHeaders(decision, options.headers)
  if (decision.allowed) {
    const leased = decision.limits.some((l) => l.concurrency)
    const skipping = options.skipSuccessful === true || options.skipFailed === true
    let ended = false
    const done =
      !leased && !skipping
        ? nothing
        : async (status: number) => {
            if (ended) return
            ended = true
            const skip = status < 400 ? options.skipSuccessful : options.skipFailed
            await Promise.all([
              skip ? tiers.refund(decision).catch(() => {}) : undefined,
              leased ? tiers.release(decision).catch(() => {}) : undefined,
            ])
          }
    return { decision, headers, done }
  }
  const format = options.body ?? 'json'
  const body = rateLimitBody(decision, {
    format,
    ...(options.upgradeUrl === undefined ? {} : { upgradeUrl: options.upgradeUrl }),
  })
  return {
    decision,
    headers,
    denied: { status: 429, contentType: rateLimitContentType(format), body: JSON.stringify(body) },
    done: nothing,
  }
}
