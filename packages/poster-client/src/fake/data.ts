import type { Rng } from './rng'

/** Wire-format rows as Poster sends them: mostly strings, a few numbers, misspellings kept. */
export type Row = Record<string, unknown>

/** The state of one fake account; mutated by writes such as createSupply. */
export interface AccountData {
  storages: Row[]
  suppliers: Row[]
  ingredientCategories: Row[]
  ingredients: Row[]
  categories: Row[]
  products: Row[]
  spots: Row[]
  supplies: Row[]
  settings: Row
  /** storage id -> ingredient id -> quantity left (may be negative). */
  leftovers: Map<number, Map<number, number>>
  /** Prime cost per ingredient in kopecks. */
  primeCosts: Map<number, number>
}

const INGREDIENTS: ReadonlyArray<readonly [string, 'kg' | 'p' | 'l']> = [
  ['Milk 3.2%', 'l'],
  ['Espresso beans', 'kg'],
  ['Sugar', 'kg'],
  ['Flour', 'kg'],
  ['Butter', 'kg'],
  ['Eggs', 'p'],
  ['Chicken breast', 'kg'],
  ['Tomatoes', 'kg'],
  ['Mozzarella', 'kg'],
  ['Basil', 'kg'],
  ['Olive oil', 'l'],
  ['Cream 33%', 'l'],
  ['Lemons', 'p'],
  ['Oranges', 'kg'],
  ['Salmon fillet', 'kg'],
  ['Rice', 'kg'],
  ['Potatoes', 'kg'],
  ['Onions', 'kg'],
  ['Garlic', 'kg'],
  ['Cucumbers', 'kg'],
  ['Cheddar', 'kg'],
  ['Bacon', 'kg'],
  ['Burger buns', 'p'],
  ['Ground beef', 'kg'],
  ['Lettuce', 'kg'],
  ['Mineral water 0.5', 'p'],
  ['Cola 0.33', 'p'],
  ['Green tea', 'kg'],
  ['Honey', 'kg'],
  ['Cinnamon', 'kg'],
  ['Chocolate syrup', 'l'],
  ['Vanilla syrup', 'l'],
  ['Oat milk', 'l'],
  ['Croissant dough', 'p'],
  ['Pasta', 'kg'],
]
const SUPPLIERS = [
  'Metro Cash & Carry',
  'FreshFarm LLC',
  'Coffee Roasters Co',
  'Dairy Valley',
  'Green Market',
  'Ocean Catch',
  'Bakery Supply',
  'Drinks Wholesale',
  'Meat House',
  'Spice Route',
]
const INGREDIENT_CATEGORIES = ['Dairy', 'Coffee & tea', 'Groceries', 'Meat & fish', 'Vegetables', 'Drinks']
const MENU_CATEGORIES = ['Coffee', 'Breakfast', 'Burgers', 'Pizza', 'Desserts', 'Drinks']
const PRODUCTS = [
  'Espresso',
  'Cappuccino',
  'Latte',
  'Flat white',
  'Omelette',
  'Pancakes',
  'Cheeseburger',
  'Bacon burger',
  'Margherita',
  'Pepperoni',
  'Cheesecake',
  'Tiramisu',
  'Lemonade',
  'Cola',
  'Water',
  'Croissant',
  'Salmon bowl',
  'Caesar salad',
  'Pasta carbonara',
  'Fries',
]

const s = (n: number) => String(n)
const pad = (n: number) => String(n).padStart(2, '0')

/** A `Y-m-d H:i:s` date `daysAgo` before a fixed day, so generated data does not drift with the clock. */
export function posterDate(daysAgo: number, rng: Rng): string {
  const d = new Date(Date.UTC(2026, 0, 31) - daysAgo * 86_400_000)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(rng.int(7, 20))}:${pad(rng.int(0, 59))}:00`
}

/** Generates a realistic, deterministic account from `rng`. */
export function generateAccount(rng: Rng, account: string, accountNumber: number): AccountData {
  const storageCount = rng.int(2, 3)
  const storages: Row[] = Array.from({ length: storageCount + 1 }, (_, i) => ({
    storage_id: s(i + 1),
    storage_name: i === 0 ? 'Main storage' : i === storageCount ? 'Old storage' : `Bar ${i}`,
    storage_adress: i === 0 ? `${rng.int(1, 120)} Khreshchatyk St` : '',
    delete: i === storageCount ? '1' : '0',
  }))
  const liveStorages = storages.filter((r) => r.delete === '0').map((r) => Number(r.storage_id))

  const suppliers: Row[] = Array.from({ length: rng.int(5, 8) }, (_, i) => ({
    supplier_id: s(i + 1),
    supplier_name: SUPPLIERS[(i + accountNumber) % SUPPLIERS.length]!,
    supplier_phone: `+38067${rng.int(1_000_000, 9_999_999)}`,
    supplier_adress: `${rng.int(1, 200)} Industrial Rd`,
    supplier_comment: rng.next() < 0.3 ? 'Delivers before 9am' : '',
    supplier_code: rng.next() < 0.5 ? s(rng.int(100, 999)) : '',
    // Seen as a number for some suppliers and a string for others.
    supplier_tin: rng.next() < 0.5 ? rng.int(10_000_000, 99_999_999) : s(rng.int(10_000_000, 99_999_999)),
    delete: i === 0 ? '1' : '0',
  }))

  const ingredientCategories: Row[] = INGREDIENT_CATEGORIES.map((name, i) => ({
    category_id: s(i + 1),
    name,
  }))
  const ingredientCount = rng.int(20, INGREDIENTS.length)
  const leftovers = new Map(liveStorages.map((id) => [id, new Map<number, number>()]))
  const primeCosts = new Map<number, number>()
  const ingredients: Row[] = Array.from({ length: ingredientCount }, (_, i) => {
    const [name, unit] = INGREDIENTS[i]!
    const id = i + 1
    let total = 0
    for (const storage of leftovers.values()) {
      // About one in eight is negative: Poster lets stock go below zero when sales outrun supplies.
      const left = rng.next() < 0.125 ? -rng.int(1, 40) / 10 : rng.int(0, 5000) / 100
      storage.set(id, left)
      total += left
    }
    primeCosts.set(id, rng.int(500, 90_000))
    return {
      ingredient_id: s(id),
      ingredient_name: name,
      ingredient_barcode: rng.next() < 0.4 ? s(rng.int(4_000_000, 4_999_999)) : '',
      category_id: s(rng.int(1, ingredientCategories.length)),
      ingredient_left: total.toFixed(5),
      limit_value: s(rng.int(0, 10)),
      ingredient_unit: unit,
      ingredient_weight: unit === 'p' ? rng.int(50, 500) : 0,
      ingredients_type: '1',
      partial_write_off: unit === 'p' ? '0' : '1',
      delete: i === ingredientCount - 1 ? '1' : '0',
      hidden: '0',
    }
  })

  const categories: Row[] = MENU_CATEGORIES.map((name, i) => ({
    category_id: s(i + 1),
    category_name: name,
    parent_category: i < 4 ? '0' : '1',
    category_hidden: i === 5 ? '1' : '0',
    sort_order: s(i),
    category_color: 'green',
  }))

  const spots: Row[] = Array.from({ length: rng.int(1, 2) }, (_, i) => ({
    spot_id: s(i + 1),
    spot_name: i === 0 ? `${account} centre` : `${account} mall`,
    spot_adress: `${rng.int(1, 90)} Main St`,
    storages: liveStorages
      .filter((_, j) => j % (i + 1) === 0)
      .map((id) => ({ storage_id: id, storage_name: String(storages[id - 1]!.storage_name) })),
  }))

  const products: Row[] = Array.from({ length: rng.int(12, PRODUCTS.length) }, (_, i) => {
    const categoryId = rng.int(1, categories.length)
    const type = rng.pick([1, 2, 2, 3])
    return {
      product_id: s(i + 1),
      product_name: PRODUCTS[i]!,
      menu_category_id: s(categoryId),
      category_name: String(categories[categoryId - 1]!.category_name),
      type: s(type),
      unit: type === 3 ? 'p' : 'kg',
      cost: s(rng.int(800, 30_000)),
      hidden: '0',
      ingredient_id: type === 3 ? s(rng.int(1, ingredientCount)) : '0',
      out: rng.int(0, 400),
      spots: spots.map((spot) => ({
        spot_id: String(spot.spot_id),
        price: s(rng.int(30, 400) * 100),
        visible: rng.next() < 0.9 ? '1' : '0',
      })),
    }
  })

  const supplies: Row[] = Array.from({ length: rng.int(3, 8) }, (_, i) => ({
    supply_id: s(i + 1),
    storage_id: s(rng.pick(liveStorages)),
    supplier_id: s(rng.int(2, suppliers.length)),
    date: posterDate(30 - i * 3, rng),
    // Money in kopecks, sometimes with Poster's trailing zeros.
    supply_sum: rng.next() < 0.5 ? s(rng.int(10_000, 900_000)) : `${rng.int(100, 9000)}.45000`,
    supply_comment: '',
    delete: '0',
  }))

  const settings: Row = {
    COMPANY_ID: s(accountNumber),
    company_name: `${account[0]!.toUpperCase()}${account.slice(1)} Restaurants`,
    timezones: 'Europe/Kyiv',
    lang: 'en',
    currency: {
      currency_id: 1,
      currency_name: 'Ukrainian hryvnia',
      currency_symbol: '₴',
      currency_code_iso: 'UAH',
    },
    uses_storage: 1,
    uses_tables: rng.int(0, 1),
    uses_delivery: rng.int(0, 1),
  }

  return {
    storages,
    suppliers,
    ingredientCategories,
    ingredients,
    categories,
    products,
    spots,
    supplies,
    settings,
    leftovers,
    primeCosts,
  }
}
