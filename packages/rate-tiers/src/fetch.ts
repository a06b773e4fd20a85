import { decideRequest, type RateTiersHttpOptions } from './http/decide'

/** Options of `withRateTiers`: key and tier come from the web `Request`. */
export type RateTiersFetchOptions = RateTiersHttpOptions<Request>

/**
 * Wraps a fetch-style handler `(Request) => Response` (Hono, Next route handlers, Astro, SvelteKit):
 * answers 429 without calling it when denied, and adds the rate-limit headers to its response.
 */
export function withRateTiers<Args extends unknown[]>(
  handler: (request: Request, ...args: Args) => Response | Promise<Response>,
  options: RateTiersFetchOptions,
): (request: Request, ...args: Args) => Promise<Response> {
  return async (request, ...args) => {
    const outcome = await decideRequest(options, request)
    if (!outcome) return handler(request, ...args)
    if (outcome.denied) {
      return new Response(outcome.denied.body, {
        status: 429,
        headers: { ...outcome.headers, 'Content-Type': outcome.denied.contentType },
      })
    }
    const response = await handler(request, ...args)
    // Responses from fetch() have immutable headers; copy those before adding ours.
    const out = isMutable(response) ? response : new Response(response.body, response)
    for (const [name, value] of Object.entries(outcome.headers)) out.headers.set(name, value)
    return out
  }
}

function isMutable(response: Response): boolean {
  try {
    response.headers.set('X-RateLimit-Probe', '1')
    response.headers.delete('X-RateLimit-Probe')
    return true
  } catch {
    return false
  }
}
