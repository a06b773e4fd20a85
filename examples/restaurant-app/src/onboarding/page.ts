import { type Html, html } from '../ui/html'

export type ConnectError = 'declined' | 'state' | 'code' | 'unreachable' | 'connected' | 'connected-elsewhere'

const START = '/onboarding/poster/start'

/** "Connect your Poster account": what happens, and the button that starts it. */
export function connectPage(enabled: boolean): Html {
  if (!enabled)
    return html`<p>Connecting a Poster account is not set up on this server (it needs <code>POSTER_APPLICATION_ID</code>). Ask its operator, or ask a restaurant's admin for an invitation.</p>`
  return html`<p>Connect the Poster account of your restaurant: Poster asks you to allow this app to read your stock, menu and suppliers and to record deliveries. Your restaurant is then created here on the free plan, with you as its admin, and its first sync starts at once.</p>
<p><a class="button" href="${START}">Connect your Poster account</a></p>
<p class="muted">Already have a restaurant here? Its admin can invite you instead.</p>`
}

/** Why connecting did not work, in words, with the way on. */
export function connectErrorPage(error: ConnectError, detail?: { restaurantId: string; name: string }): Html {
  const again = html`<p><a class="button" href="${START}">Start again</a> <a href="/app">Your restaurants</a></p>`
  const text: Record<ConnectError, Html> = {
    declined: html`<p>Access was not allowed in Poster, so nothing was connected.</p>${again}`,
    state: html`<p>This answer from Poster does not belong to a connection started from this browser, or it took longer than 10 minutes. Nothing was connected.</p>${again}`,
    code: html`<p>Poster refused the authorization code: a code works once and only for a few minutes. Nothing was connected.</p>${again}`,
    unreachable: html`<p>Poster could not be reached to finish the connection. Nothing was connected; try again in a moment.</p>${again}`,
    connected: html`<p>This Poster account is already connected${detail ? html` as <a href="/app/r/${encodeURIComponent(detail.restaurantId)}/">${detail.name}</a>` : ''}.</p>`,
    'connected-elsewhere': html`<p>This Poster account is already connected to another restaurant here. Ask that restaurant's admin for an invitation link instead.</p><p><a href="/app">Your restaurants</a></p>`,
  }
  return html`<div class="error-page" data-connect-error="${error}">${text[error]}</div>`
}
