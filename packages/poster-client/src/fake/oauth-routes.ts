import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { decodeFormBody } from './form'
import { readBody, send } from './http'
import type { FakeAccount, FakeRequest } from './types'

/** How GET /api/auth answers: at once with a code, or with a page where a person names and allows an account. */
export type FakeConsent = 'auto' | 'page'

const ACCOUNT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/
const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  )

/** The fake's OAuth side: one-time codes, the consent redirect (or page) and the code exchange. */
export function createOAuthRoutes(
  accounts: FakeAccount[],
  application: { id: string; secret: string },
  onAuthorized: (account: string) => void,
  options: { consent: FakeConsent; addAccount: (account: string) => FakeAccount },
) {
  const codes = new Map<string, string>()

  function authorize(account: string): string {
    if (!accounts.some((a) => a.account === account))
      throw new Error(`fake Poster has no account "${account}"`)
    const code = randomUUID().replaceAll('-', '')
    codes.set(code, account)
    return code
  }

  function redirectTo(res: ServerResponse, record: FakeRequest, target: URL, status: number): void {
    record.status = status
    record.outcome = 'ok'
    res.writeHead(status, { location: target.toString() })
    res.end()
  }

  /** Back to the app: a code for the account, or `error=access_denied`; `state` echoed as OAuth 2 says. */
  function answer(params: URLSearchParams, account: string | undefined): URL {
    const redirect = new URL(params.get('redirect_uri') ?? '')
    if (account === undefined) redirect.searchParams.set('error', 'access_denied')
    else {
      redirect.searchParams.set('code', authorize(account))
      redirect.searchParams.set('account', account)
    }
    const state = params.get('state')
    if (state !== null) redirect.searchParams.set('state', state)
    return redirect
  }

  /**
   * GET /api/auth: with `consent: 'auto'` the owner "consents" at once and is sent back with a code for
   * `account` (or the first account); with `'page'`, a form to name the account (a new name creates it)
   * and allow or deny, posted to POST /api/auth.
   */
  function consent(url: URL, res: ServerResponse, record: FakeRequest): void {
    // Poster's pages name the parameter client_id and application_id: either is enough.
    const appId = url.searchParams.get('application_id') ?? url.searchParams.get('client_id')
    if (appId !== application.id) {
      send(
        res,
        record,
        { status: 400, body: { error: { code: 143, message: 'Invalid application_id' } } },
        'poster-error',
      )
      return
    }
    if (options.consent === 'auto') {
      const account = url.searchParams.get('account') ?? accounts[0]?.account ?? ''
      redirectTo(res, record, answer(url.searchParams, account), 302)
      return
    }
    const hidden = ['application_id', 'redirect_uri', 'state', 'response_type']
      .map(
        (name) => [name, url.searchParams.get(name) ?? (name === 'application_id' ? appId : null)] as const,
      )
      .filter(([, value]) => value !== null)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value as string)}">`)
      .join('')
    record.status = 200
    record.outcome = 'ok'
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Poster (fake): allow access</title></head>
<body><main><h1>Allow application ${escapeHtml(application.id)} to use your Poster account?</h1>
<form method="post" action="/api/auth">${hidden}
<p><label for="account">Your Poster account</label> <input id="account" name="account" required pattern="[a-z0-9][a-z0-9-]*" autocomplete="off"></p>
<p><button type="submit" name="decision" value="allow">Allow</button> <button type="submit" name="decision" value="deny" formnovalidate>Deny</button></p>
</form></main></body></html>`)
  }

  /** POST /api/auth: the consent page's answer; an account name the fake does not know yet is created. */
  async function decide(req: IncomingMessage, res: ServerResponse, record: FakeRequest): Promise<void> {
    const form = new URLSearchParams(await readBody(req))
    record.body = Object.fromEntries(form)
    if ((form.get('application_id') ?? form.get('client_id')) !== application.id || !form.get('redirect_uri'))
      return send(
        res,
        record,
        { status: 400, body: { error: { code: 143, message: 'Invalid application_id' } } },
        'poster-error',
      )
    if (form.get('decision') !== 'allow') return redirectTo(res, record, answer(form, undefined), 303)
    const name = (form.get('account') ?? '').trim().toLowerCase()
    if (!ACCOUNT_NAME.test(name))
      return send(
        res,
        record,
        { status: 400, body: { error: { code: 400, message: 'Invalid account name' } } },
        'poster-error',
      )
    if (!accounts.some((a) => a.account === name)) options.addAccount(name)
    record.account = name
    redirectTo(res, record, answer(form, name), 303)
  }

  /** POST /api/v2/auth/access_token: form body in, bare object (or Poster's OAuth error shape) out. */
  async function exchange(req: IncomingMessage, res: ServerResponse, record: FakeRequest): Promise<void> {
    const form = decodeFormBody(await readBody(req), req.headers['content-type'])
    record.body = {
      ...form,
      application_secret: form.application_secret === undefined ? undefined : '[redacted]',
    }
    const fail = (code: number, type: string, message: string) =>
      send(
        res,
        record,
        { status: 200, body: { code, error_type: type, error_message: message } },
        'poster-error',
      )
    if (form.application_id !== application.id || form.application_secret !== application.secret) {
      return fail(400, 'invalid_client', 'Application id or secret is wrong')
    }
    if (form.grant_type !== 'authorization_code') {
      return fail(400, 'unsupported_grant_type', 'grant_type must be authorization_code')
    }
    const account = typeof form.code === 'string' ? codes.get(form.code) : undefined
    if (!account) return fail(400, 'invalid_grant', 'Code is invalid or used')
    codes.delete(form.code as string)
    const found = accounts.find((a) => a.account === account)!
    onAuthorized(account)
    record.account = account
    const email = `owner@${account}.example`
    send(
      res,
      record,
      {
        status: 200,
        body: {
          access_token: found.token,
          account_number: String(found.accountNumber),
          user: { id: 1, name: 'Owner', email, role_id: 3 },
          ownerInfo: {
            email,
            phone: '+380670000000',
            city: 'Kyiv',
            country: 'UA',
            name: 'Owner',
            company_name: account,
          },
          tariff: { key: 'pro', next_pay_date: '2027-01-01', price: 59 },
        },
      },
      'ok',
    )
  }

  return { authorize, consent, decide, exchange }
}
