import type { User } from '../auth/repository'
import type { Role } from '../restaurants/roles'
import { type Html, html, raw } from './html'

/** The restaurant a page is about, and the caller's role in it. */
export interface PageRestaurant {
  id: string
  name: string
  tier: string
  role: Role
}

export interface PageOptions {
  title: string
  user?: User | undefined
  restaurant?: PageRestaurant | undefined
  /** Which tab of the restaurant's navigation is this page. */
  tab?: Tab
  /** The cache is serving from its fallback (Redis away): what the page shows may be behind. */
  stale?: boolean
  body: Html
}

export type Tab = 'overview' | 'checklist' | 'orders' | 'analytics' | 'plan' | 'members'

const TABS: Array<{ tab: Tab; label: string; path: string; admin?: boolean }> = [
  { tab: 'overview', label: 'Overview', path: '' },
  { tab: 'checklist', label: 'Checklist', path: 'checklist' },
  { tab: 'orders', label: 'Orders', path: 'orders' },
  { tab: 'analytics', label: 'Analytics', path: 'analytics' },
  { tab: 'plan', label: 'Plan', path: 'plan' },
  { tab: 'members', label: 'Members', path: 'members', admin: true },
]

export const restaurantPath = (id: string, path = '') => `/app/r/${encodeURIComponent(id)}/${path}`

function nav(restaurant: PageRestaurant, current: Tab | undefined): Html {
  const tabs = TABS.filter((t) => !t.admin || restaurant.role === 'admin')
  return html`<nav class="tabs" aria-label="${restaurant.name}"><ul>${tabs.map(
    (t) =>
      html`<li><a href="${restaurantPath(restaurant.id, t.path)}"${t.tab === current ? html` aria-current="page"` : ''}>${t.label}</a></li>`,
  )}</ul></nav>`
}

/** Every page of the staff UI: header, the restaurant's tabs, the live regions the script writes to. */
export function layout(options: PageOptions): string {
  const { user, restaurant } = options
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title}${restaurant ? ` · ${restaurant.name}` : ''} · Restaurant ops</title>
<link rel="stylesheet" href="/ui/app.css"><script src="/ui/app.js" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/app">Restaurant ops</a>
  ${restaurant && html`<span class="where">${restaurant.name} <span class="badge">${restaurant.role}</span></span>`}
  ${
    user &&
    html`<form class="logout" data-api="POST /api/auth/logout" data-then="/login">
    <span class="muted">${user.name}</span>${user.platformAdmin ? html` <a href="/admin">Admin</a>` : ''}
    <button type="submit" class="link">Log out</button></form>`
  }
</header>
${restaurant && nav(restaurant, options.tab)}
<main id="main" tabindex="-1">
<div id="notice" class="notice" role="status" aria-live="polite"></div>
<div id="alert" class="notice error" role="alert"></div>
${options.stale && html`<p class="banner warn">Part of the service is unavailable: what this page shows may be out of date.</p>`}
<h1>${options.title}</h1>
${options.body}
</main></body></html>`.value
}

const SLOT = '<!--rc-body-->'

/** The page around a body that is sent apart (compressed ahead of time): what goes before it and after. */
export function layoutAround(options: Omit<PageOptions, 'body'> & { head: Html }): [string, string] {
  const [before, after] = layout({ ...options, body: html`${options.head}${raw(SLOT)}` }).split(SLOT)
  return [before as string, after as string]
}
