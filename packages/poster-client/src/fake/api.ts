import { type AccountData, netto, type Row, type SupplyLine } from './data'
import type { Rng } from './rng'

/** What the fake answers: HTTP status and JSON body. */
export interface ApiAnswer {
  status: number
  body: unknown
}

/** Poster's documented error shape. */
export const nestedError = (code: number, message: string): ApiAnswer => ({
  status: 200,
  body: { error: { code, message } },
})

/** The flat shape seen from some storage methods and documented for `auth/manage`. */
export const flatError = (code: number, message: string, field?: string): ApiAnswer => ({
  status: 200,
  body: field === undefined ? { error: code, message } : { error: code, message, field },
})

/** What a method needs besides the account: the clock, the seeded draws, and whether to vary types. */
export interface CallContext {
  now: number
  rng: Rng
  variants: boolean
}

const ok = (response: unknown): ApiAnswer => ({ status: 200, body: { response } })
const num = (v: unknown) =>
  typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN
const round5 = (n: number) => n.toFixed(5)
const DAY_MS = 86_400_000

type Handler = (data: AccountData, params: Record<string, unknown>, context: CallContext) => ApiAnswer

/**
 * Fields whose JSON type public clients have seen change between accounts and methods. With
 * `variants`, about half of them come as the other type (`"12.5"` <-> `12.5`).
 */
const VARIANT_FIELDS = new Set([
  'supplier_tin',
  'prime_cost',
  'prime_cost_netto',
  'ingredient_left',
  'ingredient_weight',
  'supply_sum',
  'cost',
  'out',
  'storage_id',
])

function vary(rows: Row[], rng: Rng): Row[] {
  return rows.map((row) => {
    const copy: Row = { ...row }
    for (const [key, value] of Object.entries(row)) {
      if (!VARIANT_FIELDS.has(key) || rng.next() < 0.5) continue
      if (typeof value === 'number') copy[key] = String(value)
      else if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) copy[key] = Number(value)
    }
    return copy
  })
}

function totalOf(data: AccountData, stockId: number): number {
  let total = 0
  for (const storage of data.leftovers.values()) total += storage.get(stockId) ?? 0
  return total
}

function ingredientsWithTotals(data: AccountData): Row[] {
  return data.ingredients.map((row) => ({
    ...row,
    ingredient_left: round5(totalOf(data, Number(row.ingredient_id))),
  }))
}

/**
 * Ingredients and goods together, told apart by `ingredients_type` (1 ingredient, 2 product).
 * `storage_ingredient_left` and `storage_id` only when a storage is asked for; the sums are the
 * positive quantity times the prime cost, in kopecks (Poster's example: 3143 x 1461 = 4591923).
 */
function leftovers(data: AccountData, params: Record<string, unknown>): ApiAnswer {
  const storageId = params.storage_id === undefined ? undefined : num(params.storage_id)
  if (storageId !== undefined && !data.leftovers.has(storageId))
    return flatError(32, 'Storage not found', 'storage_id')
  const zero = params.zero_leftovers === 'true' || params.zero_leftovers === '1'
  const type = params.type === undefined ? undefined : num(params.type)
  const rows: Row[] = []
  for (const [stockId, item] of data.stockItems) {
    // `type` filters by entity: 1 product, 4 ingredient (2, 3 and 5 are kinds the fake has none of).
    if (type !== undefined && type !== (item.kind === 1 ? 4 : 1)) continue
    const total = totalOf(data, stockId)
    const here = storageId === undefined ? total : (data.leftovers.get(storageId)!.get(stockId) ?? 0)
    if (!zero && here === 0) continue
    const primeCost = data.primeCosts.get(stockId) ?? 0
    const sum = Math.round(Math.max(0, here) * primeCost)
    const limit =
      item.kind === 1 ? data.ingredients.find((r) => Number(r.ingredient_id) === stockId) : undefined
    rows.push({
      ingredient_id: String(stockId),
      ingredient_name: item.name,
      ingredient_left: round5(total),
      ...(storageId === undefined
        ? {}
        : { storage_ingredient_left: round5(here), storage_id: String(storageId) }),
      limit_value: String(limit?.limit_value ?? '0'),
      ingredient_unit: item.unit,
      ingredients_type: String(item.kind),
      storage_ingredient_sum: String(sum),
      storage_ingredient_sum_netto: String(netto(sum)),
      prime_cost: primeCost,
      prime_cost_netto: netto(primeCost),
      hidden: '0',
    })
  }
  return ok(rows)
}

function ymdToDay(value: unknown): number | undefined {
  const match = typeof value === 'string' ? /^(\d{4})(\d{2})(\d{2})$/.exec(value) : null
  return match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : undefined
}

/**
 * Poster's semantics: dates are inclusive `Ymd` days, by default from a month ago to today; with
 * dates, `limit` and `offset` are ignored; without, only the last month comes back, then paged.
 */
function supplies(data: AccountData, params: Record<string, unknown>, context: CallContext): ApiAnswer {
  const now = new Date(context.now)
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  const monthAgo = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, now.getUTCDate())
  const from = ymdToDay(params.dateFrom) ?? monthAgo
  const to = (ymdToDay(params.dateTo) ?? today) + DAY_MS
  const rows = data.supplies.filter((row) => {
    const at = Date.parse(`${String(row.date).replace(' ', 'T')}Z`)
    return at >= from && at < to
  })
  const dated = params.dateFrom !== undefined || params.dateTo !== undefined
  if (dated) return ok(rows)
  const offset = Math.max(0, num(params.offset) || 0)
  const limit = num(params.limit) > 0 ? num(params.limit) : rows.length
  return ok(rows.slice(offset, offset + limit))
}

function createSupply(data: AccountData, body: Record<string, unknown>, context: CallContext): ApiAnswer {
  // Documented: {supply:{..}, ingredient:[..]}; also seen: `ingredients`, and the supply fields flat.
  const supply = (typeof body.supply === 'object' && body.supply !== null ? body.supply : body) as Record<
    string,
    unknown
  >
  const items = body.ingredient ?? body.ingredients
  for (const field of ['date', 'supplier_id', 'storage_id'] as const) {
    if (supply[field] === undefined || supply[field] === '')
      return flatError(34, 'Required field is missing', field)
  }
  if (!/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/.test(String(supply.date))) {
    return flatError(34, 'Date must be Y-m-d H:i:s', 'date')
  }
  const supplierId = num(supply.supplier_id)
  const storageId = num(supply.storage_id)
  if (!Number.isInteger(supplierId)) return flatError(701, 'Value must be an integer', 'supplier_id')
  if (!Number.isInteger(storageId)) return flatError(701, 'Value must be an integer', 'storage_id')
  const supplier = data.suppliers.find((r) => Number(r.supplier_id) === supplierId && r.delete === '0')
  if (!supplier) return flatError(32, 'Supplier does not exist', 'supplier_id')
  const storage = data.leftovers.get(storageId)
  if (!storage) return flatError(32, 'Storage does not exist', 'storage_id')
  if (!Array.isArray(items)) return flatError(36, 'Ingredient must be an array', 'ingredient')
  if (items.length === 0) return flatError(34, 'Required field is missing', 'ingredient')
  let sumKopecks = 0
  const lines: SupplyLine[] = []
  for (const item of items as Array<Record<string, unknown>>) {
    const line = { id: num(item?.id), type: num(item?.type), num: num(item?.num), sum: num(item?.sum) }
    if (!Number.isInteger(line.id) || ![1, 4, 5].includes(line.type))
      return flatError(701, 'Value must be an integer', 'ingredient')
    if (!(line.num > 0) || !(line.sum >= 0)) return flatError(34, 'num and sum are required', 'ingredient')
    if (line.type === 4 && data.stockItems.get(line.id)?.kind !== 1) {
      return flatError(32, 'Ingredient does not exist', 'ingredient')
    }
    if (line.type === 1 && !data.products.some((p) => Number(p.product_id) === line.id)) {
      return flatError(32, 'Product does not exist', 'ingredient')
    }
    // `sum` is the price per unit in currency units; the supply's sum is kept in kopecks.
    sumKopecks += Math.round(line.num * line.sum * 100)
    lines.push(line)
  }
  for (const line of lines) {
    const stockId = stockIdOf(data, line)
    if (stockId !== undefined) storage.set(stockId, (storage.get(stockId) ?? 0) + line.num)
  }
  const supplyId = data.supplies.reduce((max, r) => Math.max(max, Number(r.supply_id)), 0) + 1
  const date = String(supply.date)
  data.supplyLines.set(supplyId, lines)
  data.supplies.unshift({
    supply_id: String(supplyId),
    storage_id: String(storageId),
    supplier_id: String(supplierId),
    date: date.length === 16 ? `${date}:00` : date.length === 10 ? `${date} 00:00:00` : date,
    supply_sum: String(sumKopecks),
    supply_sum_netto: String(netto(sumKopecks)),
    supply_comment: typeof supply.supply_comment === 'string' ? supply.supply_comment : '',
    storage_name: String(data.storages.find((r) => Number(r.storage_id) === storageId)?.storage_name ?? ''),
    supplier_name: String(supplier.supplier_name),
    delete: '0',
    account_id: null,
  })
  data.supplies.sort((a, b) =>
    String(a.date) < String(b.date) ? 1 : String(a.date) > String(b.date) ? -1 : 0,
  )
  // The documented answer is a number; seen as a string too.
  const id = context.variants && context.rng.next() < 0.5 ? String(supplyId) : supplyId
  return { status: 200, body: { success: 1, response: id } }
}

/** The stock a supply line moves: an ingredient's own id, or the ingredient_id of a product. */
function stockIdOf(data: AccountData, line: SupplyLine): number | undefined {
  if (line.type === 4) return line.id
  if (line.type !== 1) return undefined
  const product = data.products.find((p) => Number(p.product_id) === line.id)
  const stockId = Number(product?.ingredient_id ?? 0)
  return stockId > 0 ? stockId : undefined
}

/** `{"success":1}` alone, as Poster documents its deletes; the supply stays listed as deleted. */
function deleteSupply(data: AccountData, body: Record<string, unknown>): ApiAnswer {
  const id = num(body.supply_id)
  if (!Number.isInteger(id)) return flatError(34, 'Required field is missing', 'supply_id')
  const row = data.supplies.find((r) => Number(r.supply_id) === id)
  if (!row) return flatError(32, 'Supply does not exist', 'supply_id')
  if (row.delete !== '1') {
    row.delete = '1'
    const storage = data.leftovers.get(Number(row.storage_id))
    for (const line of data.supplyLines.get(id) ?? []) {
      const stockId = stockIdOf(data, line)
      if (storage && stockId !== undefined) storage.set(stockId, (storage.get(stockId) ?? 0) - line.num)
    }
  }
  return { status: 200, body: { success: 1 } }
}

const READS: Record<string, Handler> = {
  'storage.getStorages': (d) => ok(d.storages),
  'storage.getSuppliers': (d) => ok(d.suppliers),
  'storage.getStorageLeftovers': leftovers,
  'storage.getSupplies': supplies,
  'menu.getIngredients': (d) => ok(ingredientsWithTotals(d)),
  'menu.getCategoriesIngredients': (d) => ok(d.ingredientCategories),
  'menu.getCategories': (d) => ok(d.categories),
  'menu.getProducts': (d, p) => {
    const kind = p.type === 'products' ? '3' : p.type === 'batchtickets' ? '2' : undefined
    return ok(
      d.products.filter(
        (r) =>
          (p.category_id === undefined || r.menu_category_id === String(p.category_id)) &&
          (kind === undefined || r.type === kind),
      ),
    )
  },
  'access.getSpots': (d) => ok(d.spots),
  'settings.getAllSettings': (d) => ok(d.settings),
}

const WRITES: Record<
  string,
  (data: AccountData, body: Record<string, unknown>, context: CallContext) => ApiAnswer
> = {
  'storage.createSupply': createSupply,
  'storage.deleteSupply': deleteSupply,
}

/** Methods the fake implements, reads first. */
export const FAKE_METHODS = [...Object.keys(READS), ...Object.keys(WRITES)] as const

/** Runs one API method against an account's data. */
export function runMethod(
  method: string,
  httpMethod: string,
  data: AccountData,
  params: Record<string, unknown>,
  body: Record<string, unknown>,
  context: CallContext,
): ApiAnswer {
  const write = WRITES[method]
  if (write) {
    if (httpMethod !== 'POST') return nestedError(400, `${method} must be a POST`)
    return write(data, body, context)
  }
  const read = READS[method]
  if (!read) return { status: 405, body: { error: { code: 30, message: 'Unknown API method' } } }
  const answer = read(data, params, context)
  const response = (answer.body as { response?: unknown }).response
  if (!context.variants || !Array.isArray(response)) return answer
  return ok(vary(response as Row[], context.rng))
}
