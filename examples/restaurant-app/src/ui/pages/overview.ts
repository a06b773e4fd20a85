import type { Restaurant } from '../../restaurants/repository'
import type { Role } from '../../restaurants/roles'
import { formatAgo, formatTime } from '../format'
import { type Html, html } from '../html'
import { type PageRestaurant, restaurantPath } from '../layout'

/** What each restaurant status means to staff. */
export const STATUS_TEXT: Record<string, string> = {
  new: 'Not synced yet',
  ok: 'Up to date',
  syncing: 'Syncing…',
  error: 'Last sync failed',
  needs_reauth: 'Poster access lost: reconnect',
  token_expiring: 'Poster access expires soon',
  inactive: 'Inactive (the Poster app was removed)',
}

export interface SyncEventView {
  kind: string
  message: string | null
  at: Date
}

export const lastSynced = (at: Date | null) =>
  at
    ? html`<time datetime="${at.toISOString()}" title="${formatTime(at)}">${formatAgo(at)}</time>`
    : html`never`

/** The restaurant's home: plan, sync status with live progress, when it last synced, where to go. */
export function overviewPage(
  r: PageRestaurant,
  restaurant: Restaurant,
  events: SyncEventView[],
  follow: { jobId?: string | undefined; welcome: boolean },
): Html {
  const syncing = restaurant.status === 'syncing' || follow.jobId !== undefined
  const live = `${restaurantPath(r.id, 'sync/live')}${follow.jobId ? `?job=${encodeURIComponent(follow.jobId)}` : ''}`
  return html`${follow.welcome ? html`<p class="banner ok">Your Poster account is connected. The first sync is running: the checklist and orders fill in once it is done.</p>` : ''}
<section aria-labelledby="sync-h" class="card" data-sync data-live="${live}"${syncing ? html` data-start` : ''}>
<h2 id="sync-h">Sync with Poster</h2>
<dl class="facts">
<dt>Status</dt><dd><span class="status status-${restaurant.status}" data-sync-status>${STATUS_TEXT[restaurant.status] ?? restaurant.status}</span></dd>
<dt>Last synced</dt><dd data-sync-last>${lastSynced(restaurant.lastSyncAt)}</dd>
${restaurant.lastError && restaurant.status !== 'ok' ? html`<dt>Error</dt><dd data-sync-error>${restaurant.lastError}</dd>` : ''}
</dl>
<p class="progress-line" data-sync-progress-line${syncing ? '' : html` hidden`}>
<label for="sync-progress">Progress</label> <progress id="sync-progress" max="100" value="0" data-sync-progress>0%</progress>
<span data-sync-percent aria-hidden="true"></span></p>
${
  r.role === 'admin'
    ? html`<form data-api="POST /api/restaurants/${encodeURIComponent(r.id)}/sync" data-then="live"><button type="submit">Sync now</button></form>`
    : html`<p class="muted">Syncs run every half hour and when Poster reports a change; admins can start one.</p>`
}
</section>
<section aria-labelledby="plan-h" class="card"><h2 id="plan-h">Plan</h2>
<p>This restaurant is on the <strong>${restaurant.tier}</strong> plan. <a href="${restaurantPath(r.id, 'plan')}">Usage and limits</a></p></section>
<section aria-labelledby="go-h" class="card"><h2 id="go-h">Work</h2><ul>
<li><a href="${restaurantPath(r.id, 'checklist')}">Checklist</a>: stock against par levels${r.role === 'viewer' ? '' : ', and what to order'}</li>
<li><a href="${restaurantPath(r.id, 'orders')}">Supplier orders</a></li>
<li><a href="${restaurantPath(r.id, 'analytics')}">Analytics</a>: stock value, low stock, orders</li>
${r.role === 'admin' ? html`<li><a href="${restaurantPath(r.id, 'members')}">Members</a>: invite people, set roles</li>` : ''}
</ul></section>
${
  events.length > 0 &&
  html`<section aria-labelledby="events-h"><h2 id="events-h">Recent syncs</h2><ul class="events">${events.map(
    (e) =>
      html`<li><time datetime="${e.at.toISOString()}">${formatTime(e.at)}</time>: ${e.kind}${e.kind === 'failed' && e.message ? html` (${e.message})` : ''}</li>`,
  )}</ul></section>`
}`
}

/** After login: the restaurants the user belongs to, and a way to connect another. */
export function restaurantsPage(
  items: Array<{
    id: string
    name: string
    tier: string
    status: string
    lastSyncAt: Date | null
    role: Role
  }>,
  canConnect: boolean,
): Html {
  return html`${
    items.length === 0
      ? html`<p>You are not a member of any restaurant yet. Ask a restaurant's admin for an invitation link${canConnect ? ', or connect your own Poster account' : ''}.</p>`
      : html`<ul class="cards">${items.map(
          (r) => html`<li class="card"><h2><a href="${restaurantPath(r.id)}">${r.name}</a></h2>
<p>You are <strong>${r.role}</strong> · ${r.tier} plan · ${STATUS_TEXT[r.status] ?? r.status} · last synced ${lastSynced(r.lastSyncAt)}</p></li>`,
        )}</ul>`
  }
${canConnect ? html`<p><a class="button" href="/onboarding">Connect your Poster account</a></p>` : ''}`
}
