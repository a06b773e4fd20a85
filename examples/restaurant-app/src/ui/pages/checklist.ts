import type { Checklist } from '../../checklist/schemas'
import { formatAgo, formatQuantity, formatTime } from '../format'
import { precompress } from '../gzip-parts'
import { escapeHtml, type Html, html, raw } from '../html'
import { type PageRestaurant, restaurantPath } from '../layout'

type Section = Checklist['sections'][number]
type Item = Section['items'][number]

const canEdit = (r: PageRestaurant) => r.role !== 'viewer'
const api = (r: PageRestaurant, path: string) => `/api/restaurants/${encodeURIComponent(r.id)}/${path}`

/** One row per item; written as plain concatenation: a restaurant may count thousands of items. */
function itemRow(r: PageRestaurant, item: Item, storageIds: number[], edit: boolean): string {
  const byStorage = new Map(item.stock.map((s) => [s.storageId, s.quantity]))
  let cells = ''
  for (const id of storageIds) {
    const q = byStorage.get(id)
    cells += `<td class="num">${q === undefined ? '—' : formatQuantity(q)}</td>`
  }
  const name = escapeHtml(item.name)
  const low = item.low ? ' <span class="tag low-tag">Below par</span>' : ''
  const supplier = item.supplierName ? escapeHtml(item.supplierName) : '<span class="muted">none</span>'
  const editCell = edit
    ? `<td><a href="${restaurantPath(r.id, `checklist/items/${item.id}`)}" aria-label="Edit ${name}">Edit</a></td>`
    : ''
  return `<tr${item.low ? ' class="low"' : ''}><th scope="row">${name}${low}</th>${cells}<td class="num">${formatQuantity(
    item.left,
    item.unit,
  )}</td><td class="num">${formatQuantity(item.parLevel)}</td><td class="num">${
    item.suggestedOrder > 0 ? formatQuantity(item.suggestedOrder, item.unit) : '—'
  }</td><td>${supplier}</td>${editCell}</tr>`
}

function sectionBlock(r: PageRestaurant, checklist: Checklist, section: Section, lowOnly: boolean): Html {
  const edit = canEdit(r)
  const items = lowOnly ? section.items.filter((i) => i.low) : section.items
  const storageIds = checklist.storages.map((s) => s.id)
  const heading = `s-${section.id}`
  const head = html`<tr><th scope="col">Item</th>${checklist.storages.map(
    (s) => html`<th scope="col" class="num">${s.name}</th>`,
  )}<th scope="col" class="num">Total</th><th scope="col" class="num">Par</th><th scope="col" class="num">Suggested order</th><th scope="col">Supplier</th>${edit ? html`<th scope="col"><span class="sr-only">Actions</span></th>` : ''}</tr>`
  let rows = ''
  for (const item of items) rows += itemRow(r, item, storageIds, edit)
  const lowCount = section.items.filter((i) => i.low).length
  return html`<section class="checklist-section" aria-labelledby="${heading}">
<h2 id="${heading}">${section.name} <span class="muted count">${section.items.length} items${lowCount ? `, ${lowCount} below par` : ''}</span></h2>
${
  edit &&
  html`<div class="section-tools">
<form class="inline" data-api="PATCH ${api(r, `sections/${section.id}`)}">
  <label>Rename <input name="name" value="${section.name}" required maxlength="100"></label> <button type="submit">Save</button>
</form>
<a href="${restaurantPath(r.id, `checklist/items/new?section=${section.id}`)}">Add an item to ${section.name}</a>
<form class="inline" data-api="DELETE ${api(r, `sections/${section.id}`)}" data-confirm="Delete the section ${section.name} and its ${section.items.length} items?">
  <button type="submit" class="danger">Delete section</button>
</form></div>`
}
${
  items.length === 0
    ? html`<p class="muted">${lowOnly ? 'Nothing below par here.' : 'No items yet.'}</p>`
    : html`<div class="table-wrap" role="region" aria-labelledby="${heading}" tabindex="0"><table class="checklist">
<thead>${head}</thead><tbody>${raw(rows)}</tbody></table></div>`
}
</section>`
}

/**
 * The checklist page in two parts: `body`, everything but the line that says how old the stock is,
 * depends only on the data and on whether the viewer may edit, so it is rendered once per checklist
 * change and cached (thousands of rows); `stockSyncedAt` is turned into "5 min ago" per request.
 */
export interface RenderedChecklist {
  stockSyncedAt: string | null
  body: string
  /** `body` deflated once (a piece for gzipParts), base64: cached with it, shared by every instance. */
  deflated: string
}

export function renderChecklist(
  r: PageRestaurant,
  checklist: Checklist,
  lowOnly: boolean,
): RenderedChecklist {
  const all = checklist.sections.flatMap((s) => s.items)
  const low = all.filter((i) => i.low).length
  const suggested = all.filter((i) => i.suggestedOrder > 0 && i.supplierId !== null).length
  const here = restaurantPath(r.id, 'checklist')
  const body = html`<p>${all.length} items in ${checklist.sections.length} sections; <strong>${low} below par</strong>.</p>
<p class="filters">Show: ${lowOnly ? html`<a href="${here}">all items</a> · <strong aria-current="true">below par only</strong>` : html`<strong aria-current="true">all items</strong> · <a href="${here}?low=1">below par only</a>`}
${canEdit(r) && suggested > 0 ? html` · <a class="button" href="${restaurantPath(r.id, 'orders/new')}">Order the suggestions (${suggested})</a>` : ''}</p>
${
  checklist.sections.length > 1 &&
  html`<nav aria-label="Sections"><ul class="jump">${checklist.sections.map(
    (s) => html`<li><a href="#s-${s.id}">${s.name}</a></li>`,
  )}</ul></nav>`
}
${checklist.sections.length === 0 ? html`<p>No sections yet.${canEdit(r) ? ' Add one below, then add the items to count in it.' : ''}</p>` : ''}
${checklist.sections.map((s) => sectionBlock(r, checklist, s, lowOnly))}
${
  canEdit(r) &&
  html`<section aria-labelledby="add-section"><h2 id="add-section">Add a section</h2>
<form class="stack" data-api="POST ${api(r, 'sections')}">
  <label>Section name <input name="name" required maxlength="100" autocomplete="off"></label>
  <label>Position <input name="position" type="number" min="0" max="10000" value="${checklist.sections.length}" data-type="number"></label>
  <button type="submit">Add section</button>
</form></section>`
}`
  return {
    stockSyncedAt: checklist.stockSyncedAt?.toISOString() ?? null,
    body: body.value,
    deflated: precompress(body.value).deflated.toString('base64'),
  }
}

/** The per-request line above the cached body: how old the stock is. */
export function checklistHead(rendered: RenderedChecklist): Html {
  const at = rendered.stockSyncedAt
  return html`<p class="muted">${at ? html`Stock as of the last sync, <time datetime="${at}" title="${formatTime(at)}">${formatAgo(at)}</time>.` : 'Stock has not been synced yet.'}</p>
`
}

export interface ItemChoices {
  sections: Array<{ id: number; name: string }>
  ingredients: Array<{ id: number; name: string; unit: string | null }>
  suppliers: Array<{ id: number; name: string }>
}

/** The form to add an item (`item` undefined) or change one; managers only. */
export function itemFormPage(
  r: PageRestaurant,
  choices: ItemChoices,
  item: (Item & { sectionName: string }) | undefined,
  sectionId: number | undefined,
): Html {
  const back = restaurantPath(r.id, 'checklist')
  const supplierOptions = html`<option value="">No supplier</option>${choices.suppliers.map(
    (s) =>
      html`<option value="${s.id}"${item?.supplierId === s.id ? html` selected` : ''}>${s.name}</option>`,
  )}`
  if (!item) {
    return html`<form class="stack" data-api="POST ${api(r, 'checklist/items')}" data-then="${back}">
<label>Section <select name="sectionId" data-type="number" required>${choices.sections.map(
      (s) => html`<option value="${s.id}"${s.id === sectionId ? html` selected` : ''}>${s.name}</option>`,
    )}</select></label>
<label>Ingredient <select name="ingredientId" data-type="number" required>${choices.ingredients.map(
      (i) => html`<option value="${i.id}">${i.name}${i.unit ? ` (${i.unit})` : ''}</option>`,
    )}</select></label>
<label>Supplier <select name="supplierId" data-type="nullable-number">${supplierOptions}</select></label>
<label>Par level <input name="parLevel" type="number" min="0" max="1000000" step="any" required data-type="number"></label>
<button type="submit">Add item</button> <a href="${back}">Back to the checklist</a>
</form>`
  }
  return html`<p>In ${item.sectionName}: stock now ${formatQuantity(item.left, item.unit)}.</p>
<form class="stack" data-api="PATCH ${api(r, `checklist/items/${item.id}`)}" data-then="${back}">
<label>Par level <input name="parLevel" type="number" min="0" max="1000000" step="any" required value="${item.parLevel}" data-type="number"></label>
<label>Supplier <select name="supplierId" data-type="nullable-number">${supplierOptions}</select></label>
<label>Position <input name="position" type="number" min="0" max="10000" value="${item.position}" data-type="number"></label>
<button type="submit">Save</button> <a href="${back}">Back to the checklist</a>
</form>
<form data-api="DELETE ${api(r, `checklist/items/${item.id}`)}" data-then="${back}" data-confirm="Remove ${item.name} from the checklist?">
<button type="submit" class="danger">Remove from the checklist</button></form>`
}
