import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { Auth } from '../auth/guard'
import { forbidden, HttpError } from '../http/errors'
import type { Runtime } from '../runtime'

const digest = (text: string) => createHash('sha256').update(text).digest()

/**
 * Guards for what operators and developers read: metrics, detailed health and cache state (`'ops'`),
 * the API docs (`'docs'`). Allowed with `Authorization: Bearer $OPS_TOKEN`, or a session: a platform
 * admin's for ops, anyone's for the docs. Open without either only in embedded mode with no OPS_TOKEN.
 */
export function opsAccess(runtime: Runtime, auth: Auth) {
  const { opsToken, embedded } = runtime.config
  const expected = opsToken ? digest(opsToken) : undefined

  return (level: 'ops' | 'docs') =>
    async (request: FastifyRequest): Promise<void> => {
      if (embedded && !expected) return
      const header = request.headers.authorization
      // Compared as digests: equal lengths, so timingSafeEqual never throws and leaks no length.
      if (
        expected &&
        header?.startsWith('Bearer ') &&
        timingSafeEqual(digest(header.slice(7).trim()), expected)
      )
        return
      const user = await auth.authenticate(request)
      if (!user) {
        throw new HttpError(
          401,
          'OPS_UNAUTHORIZED',
          `Send Authorization: Bearer <OPS_TOKEN>, or log in${level === 'ops' ? ' as a platform admin' : ''}.`,
        )
      }
      if (level === 'ops' && !user.platformAdmin) throw forbidden('operations data')
    }
}
