import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { decideRequest, type RateTiersHttpOptions } from './http/decide'

/** Options of `rateTiersMiddleware`: key and tier come from the request (after your auth middleware). */
export type RateTiersExpressOptions = RateTiersHttpOptions<Request>

/**
 * Express middleware: sets the rate-limit headers and answers 429 when denied. Mount one per
 * route group with its own `bucket` / `cost`. Errors (an unknown tier) go to `next(error)`. When
 * the response ends (or the client goes away) it refunds per `skipSuccessful` / `skipFailed` and
 * releases concurrency leases.
 */
export function rateTiersMiddleware(options: RateTiersExpressOptions): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    decideRequest(options, request).then((outcome) => {
      if (!outcome) return next()
      response.set(outcome.headers)
      if (!outcome.denied) {
        // 'close' follows 'finish' too, and alone when the client went away first.
        response.once('close', () => void outcome.done(response.statusCode))
        return next()
      }
      response.status(429).type(outcome.denied.contentType).send(outcome.denied.body)
    }, next)
  }
}
