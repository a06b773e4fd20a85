import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { forbidden, unauthorized } from '../http/errors'
import { type Role, roleRank } from '../restaurants/roles'
import type { Runtime } from '../runtime'
import type { User } from './repository'
import { SESSION_COOKIE, type Sessions } from './sessions'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` when the request carries a valid session. */
    user?: User
    sessionToken?: string
  }
}

const userSchema = z.object({
  id: z.number(),
  email: z.string(),
  name: z.string(),
  platformAdmin: z.boolean(),
})
const membershipsSchema = z.record(z.string(), z.enum(['admin', 'manager', 'viewer']))
const ACCESS_TTL = '1m'

/**
 * Who is calling: the session comes from the `rc_session` cookie or an
 * `Authorization: Bearer` header. The restaurant a request acts on always
 * comes from the URL and is checked against the user's memberships in the
 * database; nothing a client sets chooses a tenant by itself.
 */
export function createAuth(runtime: Runtime, sessions: Sessions) {
  const { cache, control } = runtime
  const access = cache.namespace('access')

  function tokenOf(request: FastifyRequest): string | undefined {
    const header = request.headers.authorization
    if (header?.startsWith('Bearer ')) return header.slice(7).trim()
    return request.cookies[SESSION_COOKIE]
  }

  async function loadUser(userId: number): Promise<User | undefined> {
    return access
      .getOrSet(`user:${userId}`, async () => (await control.users.get(userId)) ?? null, {
        ttl: ACCESS_TTL,
        tags: [`user:${userId}`],
        schema: userSchema.nullable(),
      })
      .then((u) => u ?? undefined)
  }

  return {
    async authenticate(request: FastifyRequest): Promise<User | undefined> {
      if (request.user) return request.user
      const token = tokenOf(request)
      if (!token) return undefined
      const session = await sessions.get(token)
      if (!session) return undefined
      const user = await loadUser(session.userId)
      if (!user) return undefined
      request.user = user
      request.sessionToken = token
      return user
    },
    async roleIn(user: User, restaurantId: string): Promise<Role | undefined> {
      const memberships = await access.getOrSet(
        `memberships:${user.id}`,
        () => control.restaurants.membershipsOf(user.id),
        {
          ttl: ACCESS_TTL,
          tags: [`user:${user.id}`],
          schema: membershipsSchema,
        },
      )
      return memberships[restaurantId]
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
      const role = await this.roleIn(user, restaurantId)
      if (!role || roleRank[role] < roleRank[minimum]) throw forbidden()
      return { user, role }
    },
    async requirePlatformAdmin(request: FastifyRequest): Promise<User> {
      const user = await this.requireUser(request)
      if (!user.platformAdmin) throw forbidden('the admin area')
      return user
    },
    async forgetUser(userId: number): Promise<void> {
      await access.invalidateTags([`user:${userId}`])
    },
    setSessionCookie(reply: FastifyReply, token: string, maxAgeSeconds: number): void {
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        maxAge: maxAgeSeconds,
        secure: 'auto',
      })
    },
  }
}

export type Auth = ReturnType<typeof createAuth>
