import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { HttpError } from '../http/errors'
import type { Runtime } from '../runtime'
import type { Auth } from './guard'
import { decoyHash, verifyPassword } from './passwords'
import { credentials } from './schemas'
import { SESSION_COOKIE, SESSION_TTL_MS, type Sessions } from './sessions'

/** Login (JSON or the login form), logout and who-am-I. */
export const authRoutes: FastifyPluginAsyncZod<{ runtime: Runtime; auth: Auth; sessions: Sessions }> = async (
  app,
  { runtime, auth, sessions },
) => {
  const tags = { tags: ['auth'] }

  app.post(
    '/api/auth/login',
    {
      schema: {
        ...tags,
        security: [],
        summary: 'Log in; sets the session cookie and returns the token for API clients',
        body: credentials,
      },
    },
    async (request, reply) => {
      const { email, password } = request.body
      const attempt = await runtime.loginLimiter.consume({
        key: email.toLowerCase(),
        tier: 'any',
        bucket: 'login',
      })
      if (!attempt.allowed) {
        const seconds = Math.ceil(attempt.retryAfterMs / 1000)
        reply.header('retry-after', String(seconds))
        throw new HttpError(
          429,
          'LOGIN_THROTTLED',
          `Too many login attempts for this email; try again in ${seconds} s.`,
        )
      }
      const user = await runtime.control.users.findByEmail(email)
      const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()))
      const isForm = request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')
      if (!user || !ok) {
        if (isForm) return reply.redirect('/login?failed=1', 303)
        throw new HttpError(401, 'BAD_CREDENTIALS', 'Email or password is wrong.')
      }
      const token = await sessions.create(user.id)
      auth.setSessionCookie(reply, token, SESSION_TTL_MS / 1000)
      if (isForm) return reply.redirect(user.platformAdmin ? '/admin' : '/docs', 303)
      const memberships = await runtime.control.restaurants.membershipsOf(user.id)
      return {
        token,
        user: { id: user.id, email: user.email, name: user.name, platformAdmin: user.platformAdmin },
        memberships,
      }
    },
  )

  app.post(
    '/api/auth/logout',
    { schema: { ...tags, summary: 'End the session' } },
    async (request, reply) => {
      await auth.authenticate(request)
      if (request.sessionToken) await sessions.destroy(request.sessionToken)
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.code(204).send()
    },
  )

  app.get(
    '/api/me',
    { schema: { ...tags, summary: 'The logged-in user and their restaurants' } },
    async (request) => {
      const user = await auth.requireUser(request)
      return { user, memberships: await runtime.control.restaurants.membershipsOf(user.id) }
    },
  )
}
