import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { HttpError, SessionStoreUnavailableError } from '../http/errors'
import type { Runtime } from '../runtime'
import type { Auth } from './guard'
import { decoyHash, verifyPassword } from './passwords'
import { credentials } from './schemas'
import { SESSION_TTL_MS } from './sessions'

/** Login (JSON or the login form), logout and who-am-I. */
export const authRoutes: FastifyPluginAsyncZod<{ runtime: Runtime; auth: Auth }> = async (
  app,
  { runtime, auth },
) => {
  const { sessions, login } = runtime
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
      // No password is hashed for a session that could not be stored.
      if (!sessions.available()) throw new SessionStoreUnavailableError('Cannot log you in now')
      const attempt = await login.admit(request, email)
      const user = await runtime.control.users.findByEmail(email)
      const hash = user?.passwordHash ?? (await decoyHash())
      const ok = await login.check(attempt, () => verifyPassword(password, hash))
      const isForm = request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')
      if (!user || !ok) {
        await login.failed(attempt)
        if (isForm) return reply.redirect('/login?failed=1', 303)
        throw new HttpError(401, 'BAD_CREDENTIALS', 'Email or password is wrong.')
      }
      const token = await sessions.create(user.id)
      login.succeeded(attempt, reply)
      auth.setSessionCookie(reply, token, SESSION_TTL_MS / 1000)
      if (isForm)
        return reply.redirect(user.platformAdmin ? '/admin' : runtime.config.docs ? '/docs' : '/api/me', 303)
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
    { schema: { ...tags, summary: 'End the session (204 once it is ended or its end is recorded)' } },
    async (request, reply) => {
      // Not authenticate(): ending a session needs no check of it, and must work while Redis is away.
      const token = auth.tokenOf(request)
      if (token) await sessions.destroy(token)
      auth.clearSessionCookie(reply)
      return reply.code(204).send()
    },
  )

  app.get(
    '/api/me',
    { schema: { ...tags, summary: 'The logged-in user and their restaurants' } },
    async (request) => {
      const user = await auth.requireUser(request)
      return { user, memberships: auth.membershipsOf(request) }
    },
  )
}
