import type { z } from 'zod'
import type { analytics } from '../../analytics/schemas'
import { formatMoney, formatQuantity, formatTime } from '../format'
import { type Html, html } from '../html'
import { type PageRestaurant, restaurantPath } from '../layout'

type Report = z.output<typeof analytics>
const STATUSES = ['draft', 'sent', 'received', 'cancelled'] as const

/** Orders by status as a bar chart (SVG), with the numbers written on it: a chart a screen reader can read. */
function ordersChart(counts: Record<string, number>): Html {
  const max = Math.max(1, ...STATUSES.map((s) => counts[s] ?? 0))
  const rowH = 34
  const width = 420
  const labelW = 90
  const bars = STATUSES.map((s, i) => {
    const n = counts[s] ?? 0
    const w = Math.round(((width - labelW - 50) * n) / max)
    const y = i * rowH + 6
    return html`<g><text x="0" y="${y + 17}" class="chart-label">${s}</text>
<rect x="${labelW}" y="${y}" width="${Math.max(w, 1)}" height="22" class="bar bar-${s}"></rect>
<text x="${labelW + Math.max(w, 1) + 6}" y="${y + 17}" class="chart-value">${n}</text></g>`
  })
  const summary = STATUSES.map((s) => `${counts[s] ?? 0} ${s}`).join(', ')
  return html`<figure><svg role="img" aria-labelledby="orders-chart-title" viewBox="0 0 ${width} ${STATUSES.length * rowH + 8}" class="chart">
<title id="orders-chart-title">Orders by status: ${summary}</title>${bars}</svg>
<figcaption>Supplier orders by status</figcaption></figure>`
}

export function analyticsPage(r: PageRestaurant, report: Report): Html {
  return html`<div class="figures">
<div class="figure"><p class="figure-label">Stock value</p><p class="figure-value" data-stock-value="${report.stockValue}">${formatMoney(report.stockValue)}</p><p class="muted">currency units, at prime cost</p></div>
<div class="figure"><p class="figure-label">Ingredients</p><p class="figure-value">${report.ingredients}</p></div>
<div class="figure"><p class="figure-label">Suppliers</p><p class="figure-value">${report.suppliers}</p></div>
<div class="figure"><p class="figure-label">Negative stock lines</p><p class="figure-value">${report.negativeStock}</p></div>
</div>
<section aria-labelledby="orders-h"><h2 id="orders-h">Orders</h2>${ordersChart(report.ordersByStatus)}
<p><a href="${restaurantPath(r.id, 'orders')}">See the orders</a></p></section>
<section aria-labelledby="low-h"><h2 id="low-h">Low stock</h2>
${
  report.lowStock.length === 0
    ? html`<p class="muted">Nothing is below its Poster stock limit.</p>`
    : html`<div class="table-wrap" role="region" aria-labelledby="low-h" tabindex="0"><table>
<thead><tr><th scope="col">Ingredient</th><th scope="col" class="num">Left</th><th scope="col" class="num">Limit</th><th scope="col" class="num">Short by</th></tr></thead>
<tbody>${report.lowStock.map(
        (l) =>
          html`<tr class="low"><th scope="row">${l.name}</th><td class="num">${formatQuantity(l.left, l.unit)}</td><td class="num">${formatQuantity(l.limitValue, l.unit)}</td><td class="num">${formatQuantity(l.shortBy, l.unit)}</td></tr>`,
      )}</tbody></table></div>`
}
<p class="muted">The 20 ingredients furthest below the stock limit set in Poster. Computed ${formatTime(report.computedAt)}; refreshed after each sync and order change.</p></section>`
}
