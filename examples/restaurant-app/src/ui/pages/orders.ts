import type { z } from 'zod'
import type { Checklist } from '../../checklist/schemas'
import type { Order, OrderStatus, orderSummary } from '../../orders/schemas'
import { formatAgo, formatQuantity, formatTime } from '../format'
import { type Html, html } from '../html'
import { type PageRestaurant, restaurantPath } from '../layout'

const api = (r: PageRestaurant, path: string) => `/api/restaurants/${encodeURIComponent(r.id)}/${path}`
const canEdit = (r: PageRestaurant) => r.role !== 'viewer'
const STATUS_LABEL: Record<OrderStatus, string> = {
  draft: 'Draft',
  sent: 'Sent',
  received: 'Received',
  cancelled: 'Cancelled',
}
const time = (value: Date | string) =>
  html`<time datetime="${new Date(value).toISOString()}" title="${formatTime(value)}">${formatAgo(value)}</time>`

export function ordersPage(
  r: PageRestaurant,
  orders: Array<z.output<typeof orderSummary>>,
  counts: Record<OrderStatus, number>,
  status: OrderStatus | undefined,
): Html {
  const here = restaurantPath(r.id, 'orders')
  const total = Object.values(counts).reduce((a, b) => a + b, 0)
  const tab = (value: OrderStatus | undefined, label: string, n: number) =>
    html`<li><a href="${value ? `${here}?status=${value}` : here}"${value === status ? html` aria-current="page"` : ''}>${label} <span class="count">(${n})</span></a></li>`
  return html`${canEdit(r) && html`<p><a class="button" href="${restaurantPath(r.id, 'orders/new')}">New order from the suggestions</a></p>`}
<nav aria-label="Orders by status"><ul class="status-tabs">
${tab(undefined, 'All', total)}${(Object.keys(STATUS_LABEL) as OrderStatus[]).map((s) => tab(s, STATUS_LABEL[s], counts[s]))}
</ul></nav>
${
  orders.length === 0
    ? html`<p class="muted">No ${status ? STATUS_LABEL[status].toLowerCase() : ''} orders.</p>`
    : html`<div class="table-wrap" role="region" aria-label="Orders" tabindex="0"><table>
<thead><tr><th scope="col">Order</th><th scope="col">Supplier</th><th scope="col">Status</th><th scope="col" class="num">Lines</th><th scope="col">Created</th><th scope="col">Changed</th></tr></thead>
<tbody>${orders.map(
        (
          o,
        ) => html`<tr><th scope="row"><a href="${restaurantPath(r.id, `orders/${o.id}`)}">#${o.id}</a></th><td>${o.supplierName}</td>
<td><span class="status status-${o.status}">${STATUS_LABEL[o.status]}</span></td><td class="num">${o.lineCount}</td><td>${time(o.createdAt)}</td><td>${time(o.updatedAt)}</td></tr>`,
      )}</tbody></table></div>`
}`
}

type Suggestion = {
  ingredientId: number
  name: string
  unit: string | null
  left: number
  parLevel: number
  quantity: number
}

/** The checklist's suggestions by supplier: one line per ingredient (the highest suggestion wins). */
export function suggestionsBySupplier(checklist: Checklist) {
  const groups = new Map<
    number,
    { supplierId: number; supplierName: string; lines: Map<number, Suggestion> }
  >()
  const unassigned = new Map<number, string>()
  for (const item of checklist.sections.flatMap((s) => s.items)) {
    if (item.suggestedOrder <= 0) continue
    if (item.supplierId === null) {
      unassigned.set(item.ingredientId, item.name)
      continue
    }
    const group = groups.get(item.supplierId) ?? {
      supplierId: item.supplierId,
      supplierName: item.supplierName ?? `Supplier ${item.supplierId}`,
      lines: new Map(),
    }
    const existing = group.lines.get(item.ingredientId)
    if (!existing || existing.quantity < item.suggestedOrder)
      group.lines.set(item.ingredientId, {
        ingredientId: item.ingredientId,
        name: item.name,
        unit: item.unit,
        left: item.left,
        parLevel: item.parLevel,
        quantity: item.suggestedOrder,
      })
    groups.set(item.supplierId, group)
  }
  return {
    groups: [...groups.values()]
      .map((g) => ({ ...g, lines: [...g.lines.values()] }))
      .sort((a, b) => a.supplierName.localeCompare(b.supplierName)),
    unassigned: [...unassigned.values()],
  }
}

export function newOrdersPage(r: PageRestaurant, checklist: Checklist): Html {
  const { groups, unassigned } = suggestionsBySupplier(checklist)
  return html`<p>Quantities start at what the checklist suggests (par level minus stock). Change them, or set one to 0 to leave the item out; each supplier's order is created as a draft you can still edit before sending.</p>
${groups.length === 0 ? html`<p class="muted">Nothing to order: every item with a supplier is at or above its par level.</p>` : ''}
${groups.map(
  (
    g,
  ) => html`<section aria-labelledby="sup-${g.supplierId}"><h2 id="sup-${g.supplierId}">${g.supplierName}</h2>
<form data-api="POST ${api(r, 'orders')}" data-then="${restaurantPath(r.id, 'orders/{id}')}" data-drop="lines:quantity">
<input type="hidden" name="supplierId" value="${g.supplierId}" data-type="number">
<div class="table-wrap" role="region" aria-label="Lines for ${g.supplierName}" tabindex="0"><table>
<thead><tr><th scope="col">Ingredient</th><th scope="col" class="num">Stock</th><th scope="col" class="num">Par</th><th scope="col">Order</th></tr></thead>
<tbody>${g.lines.map(
    (
      l,
      i,
    ) => html`<tr><th scope="row" id="sug-${g.supplierId}-${l.ingredientId}">${l.name}</th><td class="num">${formatQuantity(l.left, l.unit)}</td><td class="num">${formatQuantity(l.parLevel)}</td>
<td><input type="hidden" name="lines.${i}.ingredientId" value="${l.ingredientId}" data-type="number">
<input class="qty" name="lines.${i}.quantity" type="number" min="0" max="1000000" step="any" value="${l.quantity}" data-type="number" aria-labelledby="sug-${g.supplierId}-${l.ingredientId}">${l.unit ? html` <span class="muted">${l.unit}</span>` : ''}</td></tr>`,
  )}</tbody></table></div>
<div class="stack"><label>Note for the supplier <textarea name="note" rows="2" maxlength="2000"></textarea></label>
<p><button type="submit">Create draft order for ${g.supplierName}</button></p></div>
</form></section>`,
)}
${unassigned.length > 0 && html`<p class="muted">Below par but without a supplier (set one on the checklist to order them): ${unassigned.join(', ')}.</p>`}`
}

const SUPPLY_TEXT = {
  pending: 'Waiting to be sent to Poster',
  sending: 'Being sent to Poster…',
  unknown: 'Poster did not confirm it: checking Poster before sending again…',
  done: 'In Poster',
  failed: 'Poster refused it',
} as const

/** Where the received order stands in Poster: the supply's id, the wait, or the refusal and a retry. */
function supplyState(r: PageRestaurant, order: Order): Html {
  const supply = order.posterSupply
  if (!supply) return html``
  return html`<dt>Poster supply</dt><dd data-supply-state="${supply.state}"><span class="status status-supply-${supply.state}">${SUPPLY_TEXT[supply.state]}</span>${
    supply.supplyId !== null ? html` (supply #<span data-supply-id>${supply.supplyId}</span>)` : ''
  }${supply.error && supply.state !== 'done' ? html`<br><span class="muted">${supply.error}</span>` : ''}${
    supply.retry && r.role !== 'viewer'
      ? html`<form class="inline" data-api="POST ${supply.retry}" data-done="Sent to Poster again."><button type="submit">Send to Poster again</button></form>`
      : ''
  }</dd>`
}

/** Receiving: into which storage (Poster needs one); prices default to the last synced prime costs. */
function receive(r: PageRestaurant, order: Order, storages: Array<{ id: number; name: string }>): Html {
  return html`<form class="inline" data-api="PATCH ${api(r, `orders/${order.id}`)}" data-confirm="Mark the order as received? This records the delivery in Poster as a supply.">
<input type="hidden" name="status" value="received">
${
  storages.length > 1
    ? html`<label for="receive-storage">Into storage</label> <select id="receive-storage" name="storageId" data-type="number">${storages.map(
        (s) => html`<option value="${s.id}">${s.name}</option>`,
      )}</select>`
    : ''
}<button type="submit">Mark as received</button></form>`
}

export function orderPage(
  r: PageRestaurant,
  order: Order,
  ingredients: Array<{ id: number; name: string; unit: string | null }>,
  storages: Array<{ id: number; name: string }>,
): Html {
  const edit = canEdit(r)
  const draft = order.status === 'draft'
  const move = (status: OrderStatus, label: string, confirm?: string, cls = '') =>
    html`<form class="inline" data-api="PATCH ${api(r, `orders/${order.id}`)}"${confirm ? html` data-confirm="${confirm}"` : ''}>
<input type="hidden" name="status" value="${status}"><button type="submit"${cls ? html` class="${cls}"` : ''}>${label}</button></form>`
  const used = new Set(order.lines.map((l) => l.ingredientId))
  const lines = html`<div class="table-wrap" role="region" aria-label="Lines" tabindex="0"><table>
<thead><tr><th scope="col">Ingredient</th><th scope="col" class="num">Quantity</th></tr></thead>
<tbody>${order.lines.map((l, i) =>
    edit && draft
      ? html`<tr><th scope="row" id="line-${l.ingredientId}">${l.name}</th><td class="num">
<input type="hidden" name="lines.${i}.ingredientId" value="${l.ingredientId}" data-type="number">
<input class="qty" name="lines.${i}.quantity" type="number" min="0" max="1000000" step="any" value="${l.quantity}" data-type="number" aria-labelledby="line-${l.ingredientId}">${l.unit ? html` <span class="muted">${l.unit}</span>` : ''}</td></tr>`
      : html`<tr><th scope="row">${l.name}</th><td class="num">${formatQuantity(l.quantity, l.unit)}</td></tr>`,
  )}</tbody></table></div>`
  const n = order.lines.length
  return html`<dl class="facts">
<dt>Supplier</dt><dd>${order.supplierName}</dd>
<dt>Status</dt><dd><span class="status status-${order.status}" data-order-status>${STATUS_LABEL[order.status]}</span></dd>
<dt>Created</dt><dd>${time(order.createdAt)}</dd><dt>Changed</dt><dd>${time(order.updatedAt)}</dd>
${order.note ? html`<dt>Note</dt><dd>${order.note}</dd>` : ''}
${supplyState(r, order)}
</dl>
<h2>Lines</h2>
${
  edit && draft
    ? html`<form data-api="PUT ${api(r, `orders/${order.id}/lines`)}" data-drop="lines:quantity">${lines}
<fieldset><legend>Add a line</legend>
<label>Ingredient <select name="lines.${n}.ingredientId" data-type="number"><option value="">Choose…</option>${ingredients
        .filter((i) => !used.has(i.id))
        .map(
          (i) => html`<option value="${i.id}">${i.name}${i.unit ? ` (${i.unit})` : ''}</option>`,
        )}</select></label>
<label>Quantity <input class="qty" name="lines.${n}.quantity" type="number" min="0" max="1000000" step="any" data-type="number"></label>
</fieldset>
<p class="muted">A quantity of 0 removes the line.</p>
<button type="submit">Save lines</button></form>`
    : lines
}
${
  edit &&
  (order.status === 'draft' || order.status === 'sent') &&
  html`<h2>Next step</h2><div class="actions">
${draft ? move('sent', 'Send to supplier') : receive(r, order, storages)}
${move('cancelled', 'Cancel order', 'Cancel this order?', 'danger')}</div>`
}
<p><a href="${restaurantPath(r.id, 'orders')}">All orders</a></p>`
}
