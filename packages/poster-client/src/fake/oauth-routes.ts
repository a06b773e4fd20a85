import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { decodeFormBody } from './form'
import { readBody, send } from './http'
import type { FakeAccount, FakeRequest } from './types'

/** The fake's OAuth side: one-time codes, the consent redirect and the code exchange. */
export function createOAuthRoutes(
  accounts: FakeAccount[],
  application: { id: string; secret: string },
  onAuthorized: (account: string) => void,
) {
  const codes = new Map<string, string>()

  function authorize(account: string): string {
    if (!accounts.some((a) => a.account === account))
      throw new Error(`fake Poster has no account "${account}"`)
    const code = randomUUID().replaceAll('-', '')
    codes.set(code, account)
    return code
  }

  /** GET /api/auth: the owner "consents" at once and is sent back with a code. */
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
    const account = url.searchParams.get('account') ?? accounts[0]?.account ?? ''
    const redirect = new URL(url.searchParams.get('redirect_uri') ?? '')
    redirect.searchParams.set('code', authorize(account))
    redirect.searchParams.set('account', account)
    record.status = 302
    record.outcome = 'ok'
    res.writeHead(302, { location: redirect.toString() })
    res.end()
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

  return { authorize, consent, exchange }
}
