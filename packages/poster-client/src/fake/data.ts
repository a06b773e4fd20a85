import type { Rng } from './rng'

/**
 * Wire-format rows as Poster sends them. Every row has exactly the keys and JSON types of Poster's
 * documented example of its method (`shared/poster-samples/`; `test/fake-shapes.test.ts` compares
 * them key by key): mostly strings, a few numbers, misspellings kept.
 */
export type Row = Record<string, unknown>

/** A line of a supply as createSupply received it: `sum` is the price per unit in currency units. */
export interface SupplyLine {
  id: number
  /** 1 product, 4 ingredient, 5 modifier. */
  type: number
  num: number
  sum: number
}

/** Something Poster keeps stock of: an ingredient (`ingredients_type` 1) or a product (2). */
export interface StockItem {
  name: string
  unit: string
  kind: 1 | 2
  /** The product whose stock this is, for kind 2. */
  productId?: number
}

/** The state of one fake account; mutated by writes such as createSupply. */
export interface AccountData {
  storages: Row[]
  suppliers: Row[]
  ingredientCategories: Row[]
  ingredients: Row[]
  categories: Row[]
  products: Row[]
  spots: Row[]
  /** Newest first, deleted ones kept with `delete: "1"`, as Poster lists them. */
  supplies: Row[]
  settings: Row
  /** storage id -> stock id (`ingredient_id` of an ingredient or of a product) -> quantity (may be negative). */
  leftovers: Map<number, Map<number, number>>
  /** stock id -> prime cost per unit in kopecks. */
  primeCosts: Map<number, number>
  /** stock id -> what it is. */
  stockItems: Map<number, StockItem>
  /** supply id -> its lines (not part of getSupplies' answer, kept to check writes). */
  supplyLines: Map<number, SupplyLine[]>
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
/** Dishes (type 2) are cooked from ingredients; goods (type 3) are sold as bought and keep their own stock. */
const DISHES = [
  'Cappuccino',
  'Latte',
  'Omelette',
  'Pancakes',
  'Cheeseburger',
  'Bacon burger',
  'Margherita',
  'Cheesecake',
  'Salmon bowl',
  'Caesar salad',
  'Pasta carbonara',
  'Fries',
]
const GOODS = [
  'Mineral water 0.5',
  'Cola 0.33',
  'Orange juice 0.25',
  'Croissant',
  'Chocolate bar',
  'Lemonade 0.5',
]
/** Product stock ids start here, apart from ingredient ids, as Poster's ingredient_id of a product is. */
export const PRODUCT_STOCK_BASE = 1000
const DAY_MS = 86_400_000

const s = (n: number) => String(n)
const pad = (n: number) => String(n).padStart(2, '0')
/** Poster's `_netto` twins are the amount without a 20 % VAT, rounded to the kopeck. */
export const netto = (kopecks: number) => Math.round(kopecks / 1.2)

/** `Y-m-d H:i:s` in UTC. */
export function posterDateTime(ms: number): string {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
}

function spotPrice(spotId: number, kopecks: number, cost: number): Row {
  return {
    spot_id: s(spotId),
    price: s(kopecks),
    profit: s(kopecks - cost),
    profit_netto: s(netto(kopecks - cost)),
    visible: '1',
  }
}

/** Generates a realistic, deterministic account from `rng`; supply dates count back from `today` (UTC ms). */
export function generateAccount(
  rng: Rng,
  account: string,
  accountNumber: number,
  today: number,
): AccountData {
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
    supplier_tin: rng.next() < 0.5 ? s(rng.int(10_000_000, 99_999_999)) : '',
    delete: i === 0 ? '1' : '0',
  }))

  const ingredientCategories: Row[] = INGREDIENT_CATEGORIES.map((name, i) => ({
    category_id: s(i + 1),
    name,
    // An id from a 1C accounting import, on the categories that came from one.
    id_1c: i === 0 ? `${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}` : null,
  }))

  const leftovers = new Map(liveStorages.map((id) => [id, new Map<number, number>()]))
  const primeCosts = new Map<number, number>()
  const stockItems = new Map<number, StockItem>()
  const ingredientCount = rng.int(20, INGREDIENTS.length)
  const ingredients: Row[] = Array.from({ length: ingredientCount }, (_, i) => {
    const [name, unit] = INGREDIENTS[i]!
    const id = i + 1
    let total = 0
    for (const storage of leftovers.values()) {
      // About one in eight is negative (Poster lets stock go below zero when sales outrun supplies),
      // one in ten is used up.
      const draw = rng.next()
      const left = draw < 0.125 ? -rng.int(1, 40) / 10 : draw < 0.225 ? 0 : rng.int(1, 5000) / 100
      storage.set(id, left)
      total += left
    }
    primeCosts.set(id, rng.int(500, 90_000))
    stockItems.set(id, { name, unit, kind: 1 })
    const loss = () => s(rng.next() < 0.3 ? rng.int(1, 15) : 0)
    return {
      ingredient_id: s(id),
      ingredient_name: name,
      ingredient_barcode: rng.next() < 0.4 ? s(rng.int(4_000_000, 4_999_999)) : '',
      category_id: s(rng.int(0, ingredientCategories.length)),
      ingredient_left: total.toFixed(5),
      limit_value: s(rng.int(0, 10)),
      time_notif: '0',
      ingredient_unit: unit,
      ingredient_weight: 0,
      ingredients_losses_clear: loss(),
      ingredients_losses_cook: loss(),
      ingredients_losses_fry: loss(),
      ingredients_losses_stew: loss(),
      ingredients_losses_bake: loss(),
      ingredients_type: '1',
      partial_write_off: unit === 'p' ? '0' : '1',
    }
  })

  const categories: Row[] = MENU_CATEGORIES.map((name, i) => ({
    category_id: s(i + 1),
    category_name: name,
    category_photo: i % 2 === 0 ? `/upload/pos_cdb_${accountNumber}/menu/category_${i + 1}.jpg` : '',
    parent_category: i < 4 ? '0' : '1',
    category_color: rng.pick(['white', 'green', 'red', 'yellow']),
    category_hidden: i === 5 ? '1' : '0',
    sort_order: s(i),
    fiscal: '0',
    nodiscount: '0',
    tax_id: '0',
    left: s(i * 2 + 1),
    right: s(i * 2 + 2),
    category_tag: name.toLowerCase(),
    level: i < 4 ? '1' : '2',
  }))

  const spots: Row[] = Array.from({ length: rng.int(1, 2) }, (_, i) => ({
    spot_id: s(i + 1),
    spot_name: i === 0 ? `${account} centre` : `${account} mall`,
    spot_adress: `${rng.int(1, 90)} Main St`,
    storages: liveStorages
      .filter((_, j) => j % (i + 1) === 0)
      .map((id) => ({
        storage_id: id,
        storage_name: String(storages[id - 1]!.storage_name),
        storage_adress: String(storages[id - 1]!.storage_adress),
      })),
  }))
  const spotIds = spots.map((spot) => Number(spot.spot_id))

  const products = generateProducts(rng, { accountNumber, categories, ingredients, spotIds })
  for (const product of products) {
    if (product.type !== '3') continue
    // Goods keep stock of their own under their ingredient_id, in the first storage.
    const stockId = Number(product.ingredient_id)
    leftovers.get(liveStorages[0]!)!.set(stockId, rng.int(-5, 120))
    primeCosts.set(stockId, Number(product.cost))
    stockItems.set(stockId, {
      name: String(product.product_name),
      unit: 'p',
      kind: 2,
      productId: Number(product.product_id),
    })
  }

  const supplyLines = new Map<number, SupplyLine[]>()
  const liveSuppliers = suppliers.filter((r) => r.delete === '0')
  const supplyCount = rng.int(6, 10)
  const supplies: Row[] = Array.from({ length: supplyCount }, (_, i) => {
    const id = i + 1
    const storageId = rng.pick(liveStorages)
    const supplier = rng.pick(liveSuppliers)
    const lines: SupplyLine[] = Array.from({ length: rng.int(1, 3) }, () => {
      const ingredientId = rng.int(1, ingredientCount)
      return { id: ingredientId, type: 4, num: rng.int(1, 20), sum: rng.int(100, 90_000) / 100 }
    })
    supplyLines.set(id, lines)
    const sum = lines.reduce((total, l) => total + Math.round(l.num * l.sum * 100), 0)
    // Spread over three months (up to yesterday): Poster answers only the last month unless asked for dates.
    const daysAgo = 89 - Math.round((i * 88) / (supplyCount - 1))
    const at = today - daysAgo * DAY_MS + rng.int(7, 20) * 3_600_000 + rng.int(0, 59) * 60_000
    return {
      supply_id: s(id),
      storage_id: s(storageId),
      supplier_id: String(supplier.supplier_id),
      date: posterDateTime(at),
      supply_sum: s(sum),
      supply_sum_netto: s(netto(sum)),
      supply_comment: rng.next() < 0.3 ? 'Weekly delivery' : '',
      storage_name: String(storages[storageId - 1]!.storage_name),
      supplier_name: String(supplier.supplier_name),
      delete: i === 1 ? '1' : '0',
      account_id: null,
    }
  }).reverse()

  const settings: Row = {
    COMPANY_ID: account,
    FIZ_ADRESS_CITY: 'Kyiv',
    FIZ_ADRESS_PHONE: `38044${rng.int(1_000_000, 9_999_999)}`,
    uses_tables: rng.int(0, 1),
    uses_cash_shifts: 1,
    uses_taxes: rng.int(0, 1),
    uses_multiprice: 0,
    tip_amount: rng.pick([0, 5, 10]),
    uses_bookkeeping: 1,
    uses_ipay: 0,
    uses_manufacturing: rng.int(0, 1),
    uses_quick_waiter: 0,
    company_name: `${account[0]!.toUpperCase()}${account.slice(1)} Restaurants`,
    company_type: 1,
    timezones: 'Europe/Kiev',
    logo: `/upload/pos_cdb_${accountNumber}/icon.png`,
    lang: 'en',
    pos_phone: `38044${rng.int(1_000_000, 9_999_999)}`,
    analytics_plus_time: 0,
    uses_fiscality: 0,
    print_fiscal_by_default: 0,
    currency: {
      currency_id: 1,
      currency_name: 'Hryvnia',
      currency_code: 'грн.',
      currency_symbol: '₴',
      currency_code_iso: 'UAH',
    },
    email: `owner@${account}.example`,
    name: `${account} owner`,
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
    stockItems,
    supplyLines,
  }
}

/**
 * The three kinds of product in Poster's example: goods (type 3) with spot prices, goods with
 * modifications (type 3, prices per modification), and dishes (type 2) with a recipe, price maps
 * by spot and modification groups.
 */
function generateProducts(
  rng: Rng,
  context: { accountNumber: number; categories: Row[]; ingredients: Row[]; spotIds: number[] },
): Row[] {
  const { categories, ingredients, spotIds } = context
  const names = [...GOODS.slice(0, rng.int(3, GOODS.length)), ...DISHES.slice(0, rng.int(6, DISHES.length))]
  const goodsCount = names.length - DISHES.filter((d) => names.includes(d)).length
  return names.map((name, i) => {
    const id = i + 1
    const categoryId = rng.int(1, categories.length)
    const cost = rng.int(800, 30_000)
    const isGoods = i < goodsCount
    const hasPhoto = rng.next() < 0.5
    const base: Row = {
      barcode: isGoods ? s(rng.int(4_820_000_000_000, 4_829_999_999_999)) : '',
      category_name: String(categories[categoryId - 1]!.category_name),
      unit: isGoods ? '' : 'kg',
      cost: s(cost),
      cost_netto: s(netto(cost)),
      fiscal: '0',
      menu_category_id: s(categoryId),
      workshop: s(rng.int(1, 3)),
      nodiscount: '0',
      photo: hasPhoto ? `/upload/${context.accountNumber}/menu/product_${id}.jpg` : '',
      photo_origin: hasPhoto ? `/upload/${context.accountNumber}/menu/product_${id}_original.jpg` : null,
      product_code: '',
      product_id: s(id),
      product_name: name,
      sort_order: '999',
      tax_id: '0',
      product_tax_id: '0',
      type: isGoods ? '3' : '2',
      weight_flag: '0',
      color: 'white',
      ingredient_id: isGoods ? s(PRODUCT_STOCK_BASE + id) : '0',
    }
    const price = () => rng.int(30, 400) * 100
    if (isGoods && i === 0) {
      // Goods sold in modifications (flavours, sizes): the prices live on each modification.
      return {
        ...base,
        modifications: Array.from({ length: rng.int(1, 2) }, (_, m) => {
          const kopecks = price()
          return {
            modificator_id: s(100 + id * 10 + m),
            modificator_name: `${name} ${m === 0 ? 'small' : 'large'}`,
            modificator_selfprice: '0',
            modificator_selfprice_netto: '0',
            order: s(m),
            modificator_barcode: '',
            modificator_product_code: '',
            spots: spotIds.map((spotId) => spotPrice(spotId, kopecks, 0)),
            ingredient_id: '0',
          }
        }),
        out: rng.int(0, 400),
      }
    }
    const kopecks = price()
    const spots = spotIds.map((spotId) => spotPrice(spotId, kopecks, cost))
    if (isGoods) return { ...base, spots, cooking_time: '0', out: rng.int(0, 400) }
    const recipe = Array.from(
      { length: rng.int(1, 3) },
      () => ingredients[rng.int(0, ingredients.length - 1)]!,
    )
    return {
      ...base,
      hidden: '0',
      price: Object.fromEntries(spotIds.map((spotId) => [s(spotId), s(kopecks)])),
      profit: Object.fromEntries(spotIds.map((spotId) => [s(spotId), s(kopecks - cost)])),
      spots,
      cooking_time: s(rng.int(0, 20) * 60),
      different_spots_prices: '0',
      fiscal_code: '',
      group_modifications: Array.from({ length: rng.int(1, 2) }, (_, g) => ({
        dish_modification_group_id: id * 10 + g,
        name: g === 0 ? 'Extras' : 'Sides',
        num_min: 0,
        num_max: rng.int(1, 3),
        is_deleted: 0,
        modifications: Array.from({ length: rng.int(1, 3) }, (_, m) => {
          const extra = ingredients[rng.int(0, ingredients.length - 1)]!
          return {
            dish_modification_id: id * 100 + g * 10 + m,
            name: String(extra.ingredient_name),
            ingredient_id: Number(extra.ingredient_id),
            type: 10,
            brutto: rng.int(10, 200),
            // Poster's example has 99.99 here; its docs name neither the field nor its unit.
            price: rng.int(100, 9_999) / 100,
            photo_orig: '',
            photo_large: '',
            photo_small: '',
            last_modified_time: posterDateTime(Date.UTC(2025, 4, 26, 15, 33, 30)),
          }
        }),
      })),
      out: rng.int(0, 400),
      product_production_description: '',
      ingredients: recipe.map((ingredient, r) => {
        const brutto = rng.int(10, 300)
        return {
          structure_id: s(id * 100 + r),
          ingredient_id: String(ingredient.ingredient_id),
          pr_in_clear: '0',
          pr_in_cook: '0',
          pr_in_fry: '0',
          pr_in_stew: '0',
          pr_in_bake: '0',
          structure_unit: String(ingredient.ingredient_unit),
          structure_type: '1',
          structure_brutto: brutto,
          structure_netto: brutto,
          structure_lock: '1',
          structure_selfprice: '0',
          structure_selfprice_netto: '0',
          ingredient_name: String(ingredient.ingredient_name),
          ingredient_unit: String(ingredient.ingredient_unit),
          ingredient_weight: 0,
          ingredients_losses_clear: '0',
          ingredients_losses_cook: '0',
          ingredients_losses_fry: '0',
          ingredients_losses_stew: '0',
          ingredients_losses_bake: '0',
        }
      }),
    }
  })
}
