import type { FastifyReply, FastifyRequest } from 'fastify'
import { forbidden, unauthorized } from '../http/errors'
import { type Role, roleRank } from '../restaurants/roles'
import type { Runtime } from '../runtime'
import type { Access } from './access'
import type { User } from './repository'
import { SESSION_COOKIE } from './sessions'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` when the request carries a valid session. */
    user?: User
    sessionToken?: string
  }
}

/**
 * Who is calling: the session comes from the `rc_session` cookie or an
 * `Authorization: Bearer` header. The restaurant a request acts on always
 * comes from the URL and is checked against the user's memberships in the
 * database; nothing a client sets chooses a tenant by itself.
 */
export function createAuth(runtime: Runtime) {
  const { sessions, access } = runtime
  const accessOf = new WeakMap<FastifyRequest, Access>()
  const secure = runtime.config.production ? true : ('auto' as const)

  function tokenOf(request: FastifyRequest): string | undefined {
    const header = request.headers.authorization
    if (header?.startsWith('Bearer ')) return header.slice(7).trim()
    return request.cookies[SESSION_COOKIE]
  }

  return {
    tokenOf,
    /** The user, undefined without a valid session; a 503 error while the session store cannot say. */
    async authenticate(request: FastifyRequest): Promise<User | undefined> {
      if (request.user) return request.user
      const token = tokenOf(request)
      if (!token) return undefined
      const session = await sessions.get(token)
      if (!session) return undefined
      const found = await access.of(session.userId)
      if (!found) return undefined
      accessOf.set(request, found)
      request.user = found.user
      request.sessionToken = token
      return found.user
    },
    /** The memberships read with the user, by restaurant id (empty without a session). */
    membershipsOf(request: FastifyRequest): Record<string, Role> {
      return accessOf.get(request)?.memberships ?? {}
    },
    async requireUser(request: FastifyRequest): Promise<User> {
      const user = await this.authenticate(request)
      if (!user) throw unauthorized()
      return user
    },
    /** 401 without a session; 403 unless the user holds at least `minimum` in the restaurant. */
    async requireRole(
      request: FastifyRequest,
      restaurantId: string,
      minimum: Role,
    ): Promise<{ user: User; role: Role }> {
      const user = await this.requireUser(request)
      const role = this.membershipsOf(request)[restaurantId]
      if (!role || roleRank[role] < roleRank[minimum]) throw forbidden()
      return { user, role }
    },
    async requirePlatformAdmin(request: FastifyRequest): Promise<User> {
      const user = await this.requireUser(request)
      if (!user.platformAdmin) throw forbidden('the admin area')
      return user
    },
    /** After a change to the user's memberships or account: applies on every instance's next request. */
    async forgetUser(userId: number): Promise<void> {
      await access.forget(userId)
    },
    setSessionCookie(reply: FastifyReply, token: string, maxAgeSeconds: number): void {
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        maxAge: maxAgeSeconds,
        secure,
      })
    },
    clearSessionCookie(reply: FastifyReply): void {
      reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure })
    },
  }
}

export type Auth = ReturnType<typeof createAuth>
