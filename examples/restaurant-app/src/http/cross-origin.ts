import type { FastifyRequest } from 'fastify'
import { HttpError } from './errors'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * CSRF protection for cookie sessions (the same rule as Go's `http.CrossOriginProtection`): a
 * state-changing request a browser sends from another origin is refused. Browsers say where a request
 * comes from in `Sec-Fetch-Site` (all current ones) or, failing that, `Origin`; a request with neither
 * is not from a browser page, and a Bearer token is never sent by a browser on its own, so both pass.
 * "Another origin" includes the same site on another port or subdomain (`same-site`).
 */
export function refuseCrossOrigin(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return
  if (request.headers.authorization?.startsWith('Bearer ')) return
  // Poster's webhooks: signed server-to-server calls that no cookie authenticates.
  if (request.url.startsWith('/webhooks/')) return
  const site = request.headers['sec-fetch-site']
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return
    throw refused(`Sec-Fetch-Site: ${site}`)
  }
  const origin = request.headers.origin
  if (origin === undefined) return
  if (!sameHost(origin, request.host)) throw refused(`Origin: ${origin}`)
}

function sameHost(origin: string, host: string): boolean {
  try {
    const from = new URL(origin)
    // Parsed with the origin's scheme, so that a default port written out (`:443`) compares equal.
    return from.host === new URL(`${from.protocol}//${host}`).host
  } catch {
    return false // "null" (sandboxed frames, file: pages) and anything unparsable
  }
}

const refused = (why: string) =>
  new HttpError(
    403,
    'CROSS_ORIGIN_REFUSED',
    `A page of another origin may not send this request with your cookie (${why}). API clients use Authorization: Bearer.`,
  )
