import { createHash, randomBytes } from 'node:crypto'
import { authorizationUrl, exchangeCode, PosterOAuthError } from '@rc/poster-client/oauth'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Auth } from '../auth/guard'
import { publicOrigin } from '../members/origin'
import { setRole } from '../offboard'
import { createOwnerRestaurantRepository } from '../restaurants/repository'
import type { Runtime } from '../runtime'
import { htmlErrors, loginUrl } from '../ui/error-pages'
import { layout } from '../ui/layout'
import { sendPage } from '../ui/send-page'
import type { PosterOAuth } from './endpoints'
import { type ConnectError, connectErrorPage, connectPage } from './page'

const STATE_COOKIE = 'rc_oauth_state'
const STATE_TTL_S = 600
const CALLBACK = '/onboarding/poster/callback'
const stateSchema = z.object({ userId: z.number().int() })
const callbackQuery = z.object({
  code: z.string().max(500).optional(),
  account: z.string().max(100).optional(),
  state: z.string().max(100).optional(),
  error: z.string().max(200).optional(),
})
// A Poster account is a subdomain: letters, digits and dashes.
const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/

const hashOf = (state: string) => createHash('sha256').update(state).digest('base64url')

/** A restaurant id (a tenant id) from the account's name: `Cafe.Nord` → `cafe-nord`, then `-2`, `-3`... */
function idsFor(account: string): string[] {
  const base =
    account
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 56) || 'restaurant'
  return [
    base,
    ...Array.from({ length: 8 }, (_, i) => `${base}-${i + 2}`),
    `${base}-${randomBytes(3).toString('hex')}`,
  ]
}

/**
 * Self-service onboarding through Poster OAuth: a logged-in user starts at /onboarding, is sent to
 * Poster's authorize page with a `state` bound to their session (cookie + a single-use record), and comes
 * back to the callback, which exchanges the code, creates the restaurant on the first (free) plan with its
 * token encrypted, makes the user its admin and starts the first sync. Every failure is a page that says
 * what happened (declined, a state or code that does not hold, an account connected already).
 */
export const onboardingRoutes: FastifyPluginAsyncZod<{
  runtime: Runtime
  auth: Auth
  oauth: PosterOAuth | undefined
}> = async (app, { runtime, auth, oauth }) => {
  app.addHook('onSend', htmlErrors)
  const states = runtime.cache.namespace('oauth-state')
  const restaurants = createOwnerRestaurantRepository(runtime.owner)
  const hidden = { hide: true }
  const redirectUri = (request: FastifyRequest) => `${publicOrigin(runtime, request)}${CALLBACK}`
  const page = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    body: ReturnType<typeof connectPage>,
  ) =>
    sendPage(reply.code(status), layout({ title: 'Connect your Poster account', user: request.user, body }))
  const fail = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    error: ConnectError,
    detail?: { restaurantId: string; name: string },
  ) => {
    request.log.info({ error }, 'onboarding did not connect')
    return page(request, reply, status, connectErrorPage(error, detail))
  }

  app.get('/onboarding', { schema: hidden }, async (request, reply) => {
    if (!(await auth.authenticate(request)))
      return reply.redirect(`/signup?next=${encodeURIComponent('/onboarding')}`, 303)
    return page(request, reply, 200, connectPage(oauth !== undefined))
  })

  app.get('/onboarding/poster/start', { schema: hidden }, async (request, reply) => {
    const user = await auth.authenticate(request)
    if (!user) return reply.redirect(loginUrl('/onboarding'), 303)
    if (!oauth) return page(request, reply, 404, connectPage(false))
    const state = randomBytes(32).toString('base64url')
    await states.set(hashOf(state), { userId: user.id }, { ttl: STATE_TTL_S * 1000 })
    reply.setCookie(STATE_COOKIE, state, {
      httpOnly: true,
      // Lax: sent on Poster's top-level redirect back to us, never on a cross-site subrequest.
      sameSite: 'lax',
      path: '/onboarding',
      maxAge: STATE_TTL_S,
      secure: runtime.config.production ? true : 'auto',
    })
    const target = authorizationUrl({
      applicationId: oauth.applicationId,
      redirectUri: redirectUri(request),
      state,
      baseUrl: oauth.authorizeBaseUrl,
    })
    return reply.redirect(target, 303)
  })

  app.get(CALLBACK, { schema: { ...hidden, querystring: callbackQuery } }, async (request, reply) => {
    const user = await auth.authenticate(request)
    // Logged out meanwhile: log in, then this same answer from Poster is read again.
    if (!user) return reply.redirect(loginUrl(request.url), 303)
    if (!oauth) return page(request, reply, 404, connectPage(false))
    const { code, account, state, error } = request.query

    // The state first: an answer that is not from this user's own attempt is never acted upon.
    const cookie = request.cookies[STATE_COOKIE]
    const saved =
      state && cookie === state ? await states.get(hashOf(state), { schema: stateSchema }) : undefined
    if (!saved || saved.userId !== user.id) return fail(request, reply, 400, 'state')
    await states.delete(hashOf(state as string))
    reply.clearCookie(STATE_COOKIE, { path: '/onboarding' })

    if (error || !code || !account) return fail(request, reply, 400, 'declined')
    if (!ACCOUNT.test(account)) return fail(request, reply, 400, 'code')
    const connected = async () => {
      const existing = await runtime.control.restaurants.findByAccount(account)
      if (!existing) return undefined
      return auth.membershipsOf(request)[existing.id]
        ? fail(request, reply, 409, 'connected', { restaurantId: existing.id, name: existing.name })
        : fail(request, reply, 409, 'connected-elsewhere')
    }
    const already = await connected()
    if (already) return already

    let token: Awaited<ReturnType<typeof exchangeCode>>
    try {
      token = await exchangeCode({
        account,
        applicationId: oauth.applicationId,
        applicationSecret: oauth.applicationSecret,
        redirectUri: redirectUri(request),
        code,
        ...(oauth.exchangeBaseUrl ? { baseUrl: oauth.exchangeBaseUrl } : {}),
      })
    } catch (cause) {
      if (!(cause instanceof PosterOAuthError)) throw cause
      return fail(
        request,
        reply,
        cause.posterCode === undefined ? 503 : 400,
        cause.posterCode === undefined ? 'unreachable' : 'code',
      )
    }

    const companyName = (token.ownerInfo as { company_name?: unknown } | undefined)?.company_name
    const name =
      typeof companyName === 'string' && companyName.trim() ? companyName.trim().slice(0, 200) : account
    const tier = Object.keys(runtime.config.tiers)[0] ?? 'free'
    let id: string | undefined
    for (const candidate of idsFor(account)) {
      const created = await restaurants.register({
        id: candidate,
        name,
        posterAccount: account,
        posterBaseUrl: oauth.restaurantBaseUrl,
        tokenCiphertext: runtime.cipher.encrypt(token.access_token),
        tier,
      })
      if (created) {
        id = candidate
        break
      }
      // Connected by someone else between the check and now?
      const raced = await connected()
      if (raced) return raced
    }
    if (!id) throw new Error(`no free restaurant id for Poster account ${account}`)
    await setRole(runtime, runtime.owner, user.id, id, 'admin')
    const job = await runtime.jobs.syncNow({ restaurantId: id, reason: 'manual', requestedBy: user.id })
    request.log.info({ restaurantId: id, account }, 'restaurant onboarded')
    return reply.redirect(
      `/app/r/${encodeURIComponent(id)}/?welcome=1&job=${encodeURIComponent(job.id)}`,
      303,
    )
  })
}
