import { formatTime } from '../ui/format'
import { type Html, html } from '../ui/html'
import type { PageRestaurant } from '../ui/layout'
import type { Invitation, Member } from './repository'

const ROLES = ['admin', 'manager', 'viewer'] as const
const api = (r: PageRestaurant, path: string) => `/api/restaurants/${encodeURIComponent(r.id)}/${path}`

/** The restaurant's members (role, remove), its open invitations, and a new link; admins only. */
export function membersPage(
  r: PageRestaurant,
  members: Member[],
  pending: Invitation[],
  selfId: number,
): Html {
  const roleSelect = (id: string, label: string, selected: string) =>
    html`<label class="sr-only" for="${id}">${label}</label><select id="${id}" name="role">${ROLES.map(
      (role) => html`<option${role === selected ? html` selected` : ''}>${role}</option>`,
    )}</select>`
  return html`<p>Changes apply at once: a member's next page or API call uses the new role, on every server.</p>
<div class="table-wrap" role="region" aria-label="Members" tabindex="0"><table>
<thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col"><span class="sr-only">Remove</span></th></tr></thead>
<tbody>${members.map(
    (
      m,
    ) => html`<tr data-member="${m.email}"><th scope="row">${m.name}${m.userId === selfId ? html` <span class="tag">you</span>` : ''}</th><td>${m.email}</td>
<td><form class="inline" data-api="PUT ${api(r, `members/${m.userId}`)}" data-done="Role changed.">${roleSelect(`role-${m.userId}`, `Role of ${m.name}`, m.role)}
<button type="submit">Set role</button></form></td>
<td><form class="inline" data-api="DELETE ${api(r, `members/${m.userId}`)}" data-confirm="Remove ${m.name} from ${r.name}?" data-done="Member removed."${m.userId === selfId ? html` data-then="/app"` : ''}>
<button type="submit" class="danger" aria-label="Remove ${m.name}">Remove</button></form></td></tr>`,
  )}</tbody></table></div>
<section aria-labelledby="invite-h"><h2 id="invite-h">Invite someone</h2>
<p>There is no email: you get a link to give them yourself. It is shown once, works once, and lapses after the days you choose.</p>
<form class="inline" data-api="POST ${api(r, 'invitations')}" data-show="#invite-link">
<label for="invite-role">Role</label> <select id="invite-role" name="role">${ROLES.map((role) => html`<option${role === 'viewer' ? html` selected` : ''}>${role}</option>`)}</select>
<label for="invite-days">Valid for</label> <select id="invite-days" name="expiresInDays" data-type="number"><option value="1">1 day</option><option value="7" selected>7 days</option><option value="30">30 days</option></select>
<button type="submit">Create invitation link</button></form>
<p class="invite-result" hidden><label>Invitation link (copy it now: it is not shown again) <input id="invite-link" readonly size="60"></label></p>
</section>
${
  pending.length > 0 &&
  html`<section aria-labelledby="pending-h"><h2 id="pending-h">Open invitations</h2><ul>${pending.map(
    (i) => html`<li>${i.role}, created ${formatTime(i.createdAt)}, valid until ${formatTime(i.expiresAt)}
<form class="inline" data-api="DELETE ${api(r, `invitations/${i.id}`)}" data-done="Invitation revoked."><button type="submit" class="danger">Revoke</button></form></li>`,
  )}</ul></section>`
}`
}

/** What `/invite/:token` shows: join (logged in), log in or sign up first, or why the link is dead. */
export function invitePage(
  token: string,
  invitation: Invitation | undefined,
  state: { loggedIn: boolean; memberAs: string | undefined },
): Html {
  const here = `/invite/${token}`
  if (
    !invitation ||
    invitation.revokedAt ||
    invitation.acceptedAt ||
    invitation.expiresAt.getTime() < Date.now()
  )
    return html`<p>This invitation link ${invitation?.acceptedAt ? 'was already used' : invitation?.revokedAt ? 'was revoked' : invitation ? 'has expired' : 'is not valid'}. Ask the restaurant's admin for a new one.</p>
<p><a href="/app">Your restaurants</a></p>`
  if (state.memberAs)
    return html`<p>You are already ${state.memberAs} of ${invitation.restaurantName}.</p><p><a href="/app/r/${encodeURIComponent(invitation.restaurantId)}/">Open ${invitation.restaurantName}</a></p>`
  if (!state.loggedIn)
    return html`<p>You are invited to <strong>${invitation.restaurantName}</strong> as <strong>${invitation.role}</strong>.</p>
<p><a class="button" href="/signup?next=${encodeURIComponent(here)}">Create an account</a> or <a href="/login?next=${encodeURIComponent(here)}">log in</a> to accept.</p>`
  return html`<p>You are invited to <strong>${invitation.restaurantName}</strong> as <strong>${invitation.role}</strong>.</p>
<form data-api="POST /api/invitations/accept" data-then="/app/r/${encodeURIComponent(invitation.restaurantId)}/">
<input type="hidden" name="token" value="${token}"><button type="submit">Join ${invitation.restaurantName}</button></form>`
}
