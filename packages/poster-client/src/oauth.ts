import { z } from 'zod'
import { readPosterError } from './client/error-body'
import { type Duration, toMs } from './duration'
import { PosterError, PosterOAuthError } from './errors'
import { num, text } from './schemas/coerce'

/** Options of {@link authorizationUrl}. */
export interface AuthorizationUrlOptions {
  /** Your Poster application id. */
  applicationId: string | number
  /** Where Poster sends the user back with `?code=..&account=..`. */
  redirectUri: string
  /** Opaque value echoed back, to tie the callback to the session (CSRF). */
  state?: string
  /** Default `https://joinposter.com`. */
  baseUrl?: string
}

/** The URL to send a restaurant owner to so that they grant your app access. */
export function authorizationUrl(options: AuthorizationUrlOptions): string {
  const url = new URL('/api/auth', options.baseUrl ?? 'https://joinposter.com')
  // Poster's English page and PHP library say client_id, its Russian page application_id: send both.
  url.searchParams.set('application_id', String(options.applicationId))
  url.searchParams.set('client_id', String(options.applicationId))
  url.searchParams.set('redirect_uri', options.redirectUri)
  url.searchParams.set('response_type', 'code')
  if (options.state !== undefined) url.searchParams.set('state', options.state)
  return url.toString()
}

/** Reads `code` and `account` from the redirect Poster sends back. */
export function parseAuthorizationCallback(url: string | URL): {
  code: string
  account: string
  state?: string
} {
  const params = new URL(url).searchParams
  const code = params.get('code')
  const account = params.get('account')
  if (!code || !account) {
    throw new PosterOAuthError('the callback URL has no code or account; the owner may have declined access.')
  }
  const state = params.get('state')
  return state === null ? { code, account } : { code, account, state }
}

/** Options of {@link exchangeCode}. */
export interface ExchangeCodeOptions {
  /** Account (subdomain) from the callback. */
  account: string
  applicationId: string | number
  applicationSecret: string
  redirectUri: string
  code: string
  /** Default `https://{account}.joinposter.com`; the fake Poster's `url` in tests. */
  baseUrl?: string
  fetch?: typeof fetch
  /** Default `'20s'`. */
  timeout?: Duration
}

/**
 * Poster's answer to the code exchange (not wrapped in `response`), field names as Poster sends them;
 * `tariff.price` is in USD, per Poster's docs.
 */
export const accessTokenSchema = z.looseObject({
  access_token: z.string().min(1),
  account_number: text,
  user: z
    .looseObject({
      id: z.union([z.number(), z.string()]).optional(),
      name: z.string().optional(),
      email: z.string().optional(),
      role_id: z.union([z.number(), z.string()]).optional(),
    })
    .optional(),
  ownerInfo: z
    .looseObject({
      email: z.string().optional(),
      phone: text.optional(),
      city: z.string().optional(),
      country: z.string().optional(),
      name: z.string().optional(),
      company_name: z.string().optional(),
    })
    .optional(),
  tariff: z
    .looseObject({
      key: z.string().optional(),
      next_pay_date: z.string().optional(),
      price: num.optional(),
    })
    .nullish(),
})

export type PosterAccessToken = z.output<typeof accessTokenSchema>

/** Exchanges the callback's `code` for an access token (valid two years; there is no refresh token). */
export async function exchangeCode(options: ExchangeCodeOptions): Promise<PosterAccessToken> {
  for (const name of ['account', 'applicationSecret', 'redirectUri', 'code'] as const) {
    if (typeof options[name] !== 'string' || options[name] === '') {
      throw new PosterError('POSTER_INVALID_ARGUMENT', `exchangeCode needs a non-empty ${name}.`)
    }
  }
  const base = options.baseUrl ?? `https://${options.account}.joinposter.com`
  const url = new URL('api/v2/auth/access_token', base.endsWith('/') ? base : `${base}/`)
  const form = new URLSearchParams({
    application_id: String(options.applicationId),
    application_secret: options.applicationSecret,
    grant_type: 'authorization_code',
    redirect_uri: options.redirectUri,
    code: options.code,
  })
  let status: number
  let body: unknown
  try {
    const response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(toMs(options.timeout ?? '20s', 'timeout')),
    })
    status = response.status
    const raw = await response.text()
    try {
      body = JSON.parse(raw)
    } catch {
      throw new PosterOAuthError(
        `Poster answered HTTP ${status} with a body that is not JSON; try again later.`,
      )
    }
  } catch (error) {
    if (error instanceof PosterOAuthError) throw error
    throw new PosterOAuthError(
      'could not reach Poster; check connectivity and retry the exchange (codes are short-lived).',
      {
        cause: error,
      },
    )
  }
  const posterError = readPosterError(body)
  if (posterError) {
    const errorType =
      typeof (body as { error_type?: unknown }).error_type === 'string'
        ? (body as { error_type: string }).error_type
        : undefined
    throw new PosterOAuthError(
      `Poster refused the code (code ${posterError.code}: ${posterError.message}); send the owner through authorizationUrl() again.`,
      {
        posterCode: posterError.code,
        ...(errorType === undefined ? {} : { errorType }),
        ...(posterError.field === undefined ? {} : { field: posterError.field }),
      },
    )
  }
  const parsed = accessTokenSchema.safeParse(body)
  if (!parsed.success) {
    throw new PosterOAuthError(
      `Poster answered HTTP ${status} without an access_token; the answer's shape changed.`,
    )
  }
  return parsed.data
}

export { PosterOAuthError } from './errors'
