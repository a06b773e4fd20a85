import type { FastifyRequest } from 'fastify'
import type { ErrorReports } from './error-reports'
import { secretFieldsOf } from './scrub'

/**
 * A request answered 5xx by the error handler (4xx are the client's, not errors): reported with the
 * restaurant the request was checked against, the user, the route, and every credential it carried as
 * a secret to scrub (Authorization, cookies, the session token, passwords and tokens in its body).
 */
export function reportRequestError(
  reports: ErrorReports,
  error: unknown,
  request: FastifyRequest,
  status: number,
): string {
  const route = request.routeOptions.url ?? 'unmatched'
  // A tenant route's restaurant once access is checked; an admin route's for a platform admin.
  const adminTarget =
    request.user?.platformAdmin && route.startsWith('/api/admin/restaurants/:id')
      ? (request.params as { id?: unknown }).id
      : undefined
  const restaurant = request.tenant?.id ?? (typeof adminTarget === 'string' ? adminTarget : undefined)
  return reports.report(
    error,
    {
      kind: 'request',
      where: `${request.method} ${route}`,
      ...(restaurant ? { restaurant } : {}),
      ...(request.user ? { userId: request.user.id } : {}),
      request: { method: request.method, route, status },
    },
    requestSecrets(request),
  )
}

function requestSecrets(request: FastifyRequest): string[] {
  const secrets: string[] = []
  const authorization = request.headers.authorization
  if (authorization) secrets.push(authorization, authorization.replace(/^\w+\s+/, ''))
  if (request.headers.cookie) secrets.push(request.headers.cookie)
  for (const value of Object.values(request.cookies ?? {})) if (value) secrets.push(value)
  if (request.sessionToken) secrets.push(request.sessionToken)
  secrets.push(...secretFieldsOf(request.body), ...secretFieldsOf(request.query))
  return secrets
}
