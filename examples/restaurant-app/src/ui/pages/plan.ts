import { formatIn } from '../format'
import { type Html, html } from '../html'
import type { PageRestaurant } from '../layout'

export interface BucketUsage {
  bucket: string
  limit: number
  remaining: number
  resetMs: number
  windowMs: number
}

const BUCKET_TEXT: Record<string, string> = {
  api: 'Requests (pages and API calls)',
  analysis: 'Analytics reports',
}
const windowText = (ms: number) =>
  ms >= 3_600_000 ? `${ms / 3_600_000} h` : ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`

function usageTable(caption: string, rows: BucketUsage[]): Html {
  return html`<div class="table-wrap" role="region" aria-label="${caption}" tabindex="0"><table class="usage">
<caption>${caption}</caption>
<thead><tr><th scope="col">What</th><th scope="col" class="num">Left</th><th scope="col" class="num">Limit</th><th scope="col">Per</th><th scope="col">Used</th><th scope="col">Full again in</th></tr></thead>
<tbody>${rows.map((u) => {
    const used = u.limit - u.remaining
    return html`<tr data-bucket="${u.bucket}"><th scope="row">${BUCKET_TEXT[u.bucket] ?? u.bucket}</th><td class="num" data-remaining>${u.remaining}</td><td class="num">${u.limit}</td><td>${windowText(u.windowMs)}</td>
<td><meter min="0" max="${u.limit}" value="${used}" aria-label="${used} of ${u.limit} used">${used} of ${u.limit}</meter></td>
<td>${used === 0 ? '—' : formatIn(u.resetMs)}</td></tr>`
  })}</tbody></table></div>`
}

/** What is left of each bucket, read without charging anything (`peek`). */
export function planPage(
  r: PageRestaurant,
  usage: { restaurant: BucketUsage[]; yours: BucketUsage[] | undefined },
  tiers: Record<string, Record<string, string>>,
  platformAdmin: boolean,
): Html {
  return html`<p>${r.name} is on the <strong>${r.tier}</strong> plan. Opening this page costs nothing.</p>
${usageTable(`${r.name}: all members together`, usage.restaurant)}
${usage.yours && usageTable('Your share (one member may use part of the plan, so that nobody is left without)', usage.yours)}
<p>When a limit is reached, pages and API calls answer "Plan limit reached" with the time to wait. <a href="/billing/upgrade">Plans and how to upgrade</a></p>
${
  platformAdmin &&
  html`<section aria-labelledby="change-h"><h2 id="change-h">Change the plan (platform admin)</h2>
<form class="inline" data-api="PUT /api/admin/restaurants/${encodeURIComponent(r.id)}/tier">
<label>Plan <select name="tier">${Object.keys(tiers).map((t) => html`<option${t === r.tier ? html` selected` : ''}>${t}</option>`)}</select></label>
<button type="submit">Change plan</button></form></section>`
}`
}

/** Where a 429 points: the plans, side by side, and how to move to another. */
export function upgradePage(tiers: Record<string, Record<string, string>>, current: string[]): Html {
  const names = Object.keys(tiers)
  const buckets = [...new Set(names.flatMap((t) => Object.keys(tiers[t] ?? {})))]
  return html`<div class="table-wrap" role="region" aria-label="Plans" tabindex="0"><table>
<thead><tr><th scope="col">Plan</th>${buckets.map((b) => html`<th scope="col">${BUCKET_TEXT[b] ?? b}</th>`)}</tr></thead>
<tbody>${names.map(
    (t) =>
      html`<tr${current.includes(t) ? html` class="current"` : ''}><th scope="row">${t}${current.includes(t) ? html` <span class="tag">yours</span>` : ''}</th>${buckets.map(
        (b) => html`<td>${(tiers[t]?.[b] ?? '—').replace('/', ' per ')}</td>`,
      )}</tr>`,
  )}</tbody></table></div>
<p>A plan change applies from the next request, and what was used so far carries over.</p>
<p>To upgrade, ask the operator of this service: a platform admin changes a restaurant's plan on its Plan page (or with <code>PUT /api/admin/restaurants/:id/tier</code>).</p>
<p><a href="/app">Back to your restaurants</a></p>`
}
