import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Auth } from '../auth/guard'
import { hashPassword } from '../auth/passwords'
import { createOwnerUserRepository } from '../auth/repository'
import { SESSION_TTL_MS } from '../auth/sessions'
import { HttpError, SessionStoreUnavailableError } from '../http/errors'
import { text } from '../http/fields'
import type { Runtime } from '../runtime'
import { html } from '../ui/html'
import { layout } from '../ui/layout'
import { safeNext } from '../ui/login-page'
import { sendPage } from '../ui/send-page'

const MIN_PASSWORD = 10

const signupBody = z.object({
  name: text(100, { trim: true, min: 1 }),
  email: z.string().trim().email('must be an email address').max(254),
  password: z.string().min(MIN_PASSWORD, `must be at least ${MIN_PASSWORD} characters`).max(1024),
  next: z.string().max(2000).optional(),
})

const ERRORS: Record<string, string> = {
  taken: 'An account with this email exists already: log in instead.',
  invalid: `Check the fields: a name, an email address and a password of at least ${MIN_PASSWORD} characters.`,
  throttled: 'Too many attempts from here; try again in a few minutes.',
  busy: 'The service is busy or partly unavailable; try again in a few seconds.',
}

function signupPage(next: string | undefined, error: string | undefined): string {
  const login = next ? `/login?next=${encodeURIComponent(next)}` : '/login'
  return layout({
    title: 'Create an account',
    body: html`${error && ERRORS[error] && html`<p class="banner error" role="alert">${ERRORS[error]}</p>`}
<form class="stack narrow" method="post" action="/api/auth/signup">
${next && html`<input type="hidden" name="next" value="${next}">`}
<label>Your name <input name="name" autocomplete="name" required maxlength="100"></label>
<label>Email <input name="email" type="email" autocomplete="email" required></label>
<label>Password <span class="muted">(at least ${MIN_PASSWORD} characters)</span>
<input name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD}"></label>
<button type="submit">Create account</button></form>
<p>Have an account? <a href="${login}">Log in</a></p>`,
  })
}

/**
 * Sign-up: anyone may create an account, which belongs to no restaurant until its owner connects a
 * Poster account or accepts an invitation. Throttled like logins (per source and globally) with the
 * same bounded hashing; an email that exists is refused, never overwritten.
 */
export const signupRoutes: FastifyPluginAsyncZod<{ runtime: Runtime; auth: Auth }> = async (
  app,
  { runtime, auth },
) => {
  const users = createOwnerUserRepository(runtime.owner)

  app.get(
    '/signup',
    {
      schema: {
        hide: true,
        querystring: z.object({
          next: z.string().max(2000).optional(),
          error: z.string().max(20).optional(),
        }),
      },
    },
    async (request, reply) => sendPage(reply, signupPage(safeNext(request.query.next), request.query.error)),
  )

  app.post(
    '/api/auth/signup',
    {
      schema: {
        tags: ['auth'],
        security: [],
        summary: 'Create an account and log in (JSON or the sign-up form)',
        body: signupBody,
      },
      // A form's bad fields come back to the form, not as JSON.
      attachValidation: true,
    },
    async (request, reply) => {
      const isForm = request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')
      const next = safeNext((request.body as { next?: unknown } | undefined)?.next)
      const back = (error: string) =>
        reply.redirect(`/signup?error=${error}${next ? `&next=${encodeURIComponent(next)}` : ''}`, 303)
      if (request.validationError) {
        if (isForm) return back('invalid')
        throw request.validationError
      }
      const { name, email, password } = request.body
      let id: number | undefined
      try {
        if (!runtime.sessions.available()) throw new SessionStoreUnavailableError('Cannot sign you up now')
        const attempt = await runtime.login.admit(request, email)
        let hash = ''
        await runtime.login.check(attempt, async () => {
          hash = await hashPassword(password)
          return true
        })
        id = await users.register({ email, name, passwordHash: hash })
      } catch (error) {
        if (!isForm || !(error instanceof HttpError) || (error.status !== 429 && error.status !== 503))
          throw error
        return back(error.status === 429 ? 'throttled' : 'busy')
      }
      if (id === undefined) {
        if (isForm) return back('taken')
        throw new HttpError(409, 'EMAIL_TAKEN', 'An account with this email exists already: log in instead.')
      }
      const token = await runtime.sessions.create(id)
      auth.setSessionCookie(reply, token, SESSION_TTL_MS / 1000)
      if (isForm) return reply.redirect(next ?? '/app', 303)
      return reply
        .code(201)
        .send({ token, user: { id, email: email.toLowerCase(), name, platformAdmin: false } })
    },
  )
}
