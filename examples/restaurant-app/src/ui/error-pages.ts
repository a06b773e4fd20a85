import type { FastifyReply, FastifyRequest } from 'fastify'
import { PAGE_CSP } from '../http/security-headers'
import { formatIn } from './format'
import { type Html, html } from './html'
import { layout } from './layout'

/** Where a logged-out visitor goes: the login page, then back here. */
export function loginUrl(next: string): string {
  return next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login'
}

/** An error answer in the API's shape `{ code, message }`, plus what a 429 body adds. */
interface ErrorBody {
  code?: string
  message?: string
  retryAfter?: number
  upgradeUrl?: string
  tier?: string
  scope?: string
}

function explain(
  status: number,
  body: ErrorBody,
  retryAfterS: number | undefined,
): { title: string; text: Html } {
  const message = body.message ?? ''
  if (status === 403)
    return {
      title: 'Not allowed',
      text: html`<p>Your account cannot open this page or make this change with the role you have here.</p>
<p class="muted">${message}</p><p><a href="/app">Your restaurants</a></p>`,
    }
  if (status === 404)
    return {
      title: 'Not found',
      text: html`<p>${message || 'There is nothing here.'}</p><p><a href="/app">Your restaurants</a></p>`,
    }
  if (status === 429) {
    const wait = body.retryAfter ?? retryAfterS
    return {
      title: 'Plan limit reached',
      text: html`<p>${message}</p>
<p><strong>Try again ${wait === undefined ? 'in a moment' : `in ${formatIn(wait * 1000)}`}.</strong></p>
${body.scope === 'user' ? html`<p>This is your share of the restaurant's plan, so that one member cannot use up everyone's.</p>` : ''}
<p><a href="${body.upgradeUrl ?? '/billing/upgrade'}">See the plans and how to upgrade</a></p>`,
    }
  }
  if (status === 503)
    return {
      title: 'Temporarily unavailable',
      text: html`<p>Part of the service is not answering${retryAfterS ? `; try again in ${formatIn(retryAfterS * 1000)}` : ''}.
What you saw on other pages may be out of date until it is back.</p><p class="muted">${message}</p>
<p><a href="">Try again</a></p>`,
    }
  if (status >= 500)
    return {
      title: 'Something went wrong',
      text: html`<p>Something went wrong on our side; it has been logged. Try again in a moment.</p><p><a href="">Try again</a></p>`,
    }
  return {
    title: 'That did not work',
    text: html`<p>${message}</p><p><a href="/app">Your restaurants</a></p>`,
  }
}

/**
 * For the UI's pages: an error the API code answered as JSON (its error handler, the plan limits'
 * 429) becomes a page that says what happened and what to do; a 401 goes to the login page.
 */
export async function htmlErrors(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  const status = reply.statusCode
  if (status < 400 || !String(reply.getHeader('content-type') ?? '').includes('json')) return payload
  let body: ErrorBody = {}
  try {
    body = JSON.parse(String(payload)) as ErrorBody
  } catch {}
  if (status === 401) {
    reply.code(303).header('location', loginUrl(request.url)).type('text/html; charset=utf-8')
    return ''
  }
  const retryAfter = Number(reply.getHeader('retry-after'))
  const { title, text } = explain(status, body, Number.isFinite(retryAfter) ? retryAfter : undefined)
  reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP)
  return layout({
    title,
    user: request.user,
    body: html`<div class="error-page" data-status="${status}">${text}</div>`,
  })
}
