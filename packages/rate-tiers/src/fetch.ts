import { decideRequest, type RateTiersHttpOptions } from './http/decide'

/** Options of `withRateTiers`: key and tier come from the web `Request`. */
export type RateTiersFetchOptions = RateTiersHttpOptions<Request>

/**
 * Wraps a fetch-style handler `(Request) => Response` (Hono, Next route handlers, Astro, SvelteKit):
 * answers 429 without calling it when denied, and adds the rate-limit headers to its response.
 * When the response body has been read to its end (or cancelled, or the handler threw), it
 * refunds per `skipSuccessful` / `skipFailed` and releases concurrency leases.
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
    let response: Response
    try {
      response = await handler(request, ...args)
    } catch (error) {
      void outcome.done(500)
      throw error
    }
    const end = () => void outcome.done(response.status)
    let out: Response
    if (response.body !== null) out = new Response(untilEnd(response.body, end), response)
    else {
      end()
      // Responses from fetch() have immutable headers; copy those before adding ours.
      out = isMutable(response) ? response : new Response(null, response)
    }
    for (const [name, value] of Object.entries(outcome.headers)) out.headers.set(name, value)
    return out
  }
}

/** The same bytes, calling `end` once when they have all been read or the reader cancels. */
function untilEnd(body: ReadableStream<Uint8Array>, end: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read()
        if (done) {
          controller.close()
          end()
        } else controller.enqueue(value)
      } catch (error) {
        controller.error(error)
        end()
      }
    },
    cancel(reason) {
      end()
      return reader.cancel(reason)
    },
  })
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
