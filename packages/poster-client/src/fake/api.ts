import type { AccountData, Row } from './data'
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

/** The flat shape seen from some storage methods. */
export const flatError = (code: number, message: string, field?: string): ApiAnswer => ({
  status: 200,
  body: field === undefined ? { error: code, message } : { error: code, message, field },
})

const ok = (response: unknown): ApiAnswer => ({ status: 200, body: { response } })
const num = (v: unknown) =>
  typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN
const round5 = (n: number) => n.toFixed(5)

type Handler = (data: AccountData, params: Record<string, unknown>, rng: Rng) => ApiAnswer

function ingredientsWithTotals(data: AccountData): Row[] {
  return data.ingredients.map((row) => {
    let total = 0
    for (const storage of data.leftovers.values()) total += storage.get(Number(row.ingredient_id)) ?? 0
    return { ...row, ingredient_left: round5(total) }
  })
}

function leftovers(data: AccountData, params: Record<string, unknown>, rng: Rng): ApiAnswer {
  const storageId = params.storage_id === undefined ? undefined : num(params.storage_id)
  if (storageId !== undefined && !data.leftovers.has(storageId))
    return flatError(32, 'Storage not found', 'storage_id')
  const zero = params.zero_leftovers === '1' || params.zero_leftovers === 'true'
  const rows = ingredientsWithTotals(data)
    .filter((row) => row.delete === '0')
    .map((row) => {
      const id = Number(row.ingredient_id)
      const here =
        storageId === undefined ? Number(row.ingredient_left) : (data.leftovers.get(storageId)!.get(id) ?? 0)
      const cost = data.primeCosts.get(id) ?? 0
      return {
        ingredient_id: row.ingredient_id,
        ingredient_name: row.ingredient_name,
        ingredient_left: row.ingredient_left,
        storage_ingredient_left: round5(here),
        ...(storageId === undefined ? {} : { storage_id: String(storageId) }),
        limit_value: row.limit_value,
        ingredient_unit: row.ingredient_unit,
        // Poster sends this one as a number or a string.
        prime_cost: rng.next() < 0.5 ? cost / 100 : (cost / 100).toFixed(4),
      }
    })
  return ok(zero ? rows : rows.filter((r) => Number(r.storage_ingredient_left) !== 0))
}

function ymd(value: unknown): string | undefined {
  return typeof value === 'string' && /^\d{8}$/.test(value) ? value : undefined
}

function supplies(data: AccountData, params: Record<string, unknown>): ApiAnswer {
  const from = ymd(params.dateFrom)
  const to = ymd(params.dateTo)
  const rows = data.supplies.filter((row) => {
    const day = String(row.date).slice(0, 10).replaceAll('-', '')
    return (!from || day >= from) && (!to || day <= to)
  })
  const offset = Math.max(0, num(params.offset) || 0)
  const limit = num(params.limit) > 0 ? num(params.limit) : rows.length
  return ok(rows.slice(offset, offset + limit))
}

function createSupply(data: AccountData, body: Record<string, unknown>, rng: Rng): ApiAnswer {
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
  if (!data.suppliers.some((r) => Number(r.supplier_id) === supplierId && r.delete === '0')) {
    return flatError(32, 'Supplier does not exist', 'supplier_id')
  }
  const storage = data.leftovers.get(storageId)
  if (!storage) return flatError(32, 'Storage does not exist', 'storage_id')
  if (!Array.isArray(items)) return flatError(36, 'Ingredient must be an array', 'ingredient')
  if (items.length === 0) return flatError(34, 'Required field is missing', 'ingredient')
  let sumKopecks = 0
  const parsed: Array<{ id: number; type: number; amount: number }> = []
  for (const item of items as Array<Record<string, unknown>>) {
    const id = num(item?.id)
    const type = num(item?.type)
    const amount = num(item?.num)
    const price = num(item?.sum)
    if (!Number.isInteger(id) || ![1, 4, 5].includes(type))
      return flatError(701, 'Value must be an integer', 'ingredient')
    if (!(amount > 0) || !(price >= 0)) return flatError(34, 'num and sum are required', 'ingredient')
    if (type === 4 && !data.ingredients.some((r) => Number(r.ingredient_id) === id)) {
      return flatError(32, 'Ingredient does not exist', 'ingredient')
    }
    sumKopecks += Math.round(amount * price * 100)
    parsed.push({ id, type, amount })
  }
  for (const { id, type, amount } of parsed) {
    if (type === 4) storage.set(id, (storage.get(id) ?? 0) + amount)
  }
  const supplyId = data.supplies.reduce((max, r) => Math.max(max, Number(r.supply_id)), 0) + 1
  const date = String(supply.date)
  data.supplies.push({
    supply_id: String(supplyId),
    storage_id: String(storageId),
    supplier_id: String(supplierId),
    date: date.length === 16 ? `${date}:00` : date.length === 10 ? `${date} 00:00:00` : date,
    supply_sum: String(sumKopecks),
    supply_comment: typeof supply.supply_comment === 'string' ? supply.supply_comment : '',
    delete: '0',
  })
  // The id comes back as a number or a string.
  return { status: 200, body: { success: 1, response: rng.next() < 0.5 ? supplyId : String(supplyId) } }
}

const READS: Record<string, Handler> = {
  'storage.getStorages': (d) => ok(d.storages),
  'storage.getSuppliers': (d) => ok(d.suppliers),
  'storage.getStorageLeftovers': leftovers,
  'storage.getSupplies': supplies,
  'menu.getIngredients': (d) => ok(ingredientsWithTotals(d)),
  'menu.getCategoriesIngredients': (d) => ok(d.ingredientCategories),
  'menu.getCategories': (d) => ok(d.categories),
  'menu.getProducts': (d, p) =>
    ok(
      p.category_id === undefined
        ? d.products
        : d.products.filter((r) => r.menu_category_id === String(p.category_id)),
    ),
  'access.getSpots': (d) => ok(d.spots),
  'settings.getAllSettings': (d) => ok(d.settings),
}

/** Methods the fake implements, reads first. */
export const FAKE_METHODS = [...Object.keys(READS), 'storage.createSupply'] as const

/** Runs one API method against an account's data. */
export function runMethod(
  method: string,
  httpMethod: string,
  data: AccountData,
  params: Record<string, unknown>,
  body: Record<string, unknown>,
  rng: Rng,
): ApiAnswer {
  if (method === 'storage.createSupply') {
    if (httpMethod !== 'POST') return nestedError(400, 'createSupply must be a POST')
    return createSupply(data, body, rng)
  }
  const read = READS[method]
  if (!read) return { status: 405, body: { error: { code: 30, message: 'Unknown API method' } } }
  return read(data, params, rng)
}
