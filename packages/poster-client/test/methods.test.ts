import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createPosterClient,
  leftoverTypes,
  type PosterClient,
  type PosterSupply,
  toCurrencyUnits,
} from '../src/index'
import { createFakePoster, type FakePoster } from '../src/testing'

// The same checks against the documented types and against the variants seen in the wild.
describe.each([
  ['documented types', false],
  ['seen variants', true],
])('typed methods parse what the fake serves (%s)', (_, variants) => {
  let fake: FakePoster
  let poster: PosterClient

  beforeAll(async () => {
    fake = await createFakePoster({ accounts: 2, seed: 7, variants })
    const { account, token } = fake.accounts[0]!
    poster = createPosterClient({
      account,
      token,
      baseUrl: fake.url,
      rateLimit: { perSecond: 100, maxConcurrent: 10 },
    })
  })
  afterAll(() => fake.close())

  it('storage.getStorages keeps storage_adress and coerces ids', async () => {
    const storages = await poster.storage.getStorages()
    expect(storages.length).toBeGreaterThanOrEqual(3)
    for (const s of storages) {
      expect(typeof s.storage_id).toBe('number')
      expect(s).toHaveProperty('storage_adress')
      expect([0, 1]).toContain(s.delete)
    }
    expect(storages.some((s) => s.delete === 1)).toBe(true)
  })

  it('storage.getSuppliers keeps Poster spellings and reads supplier_tin as text', async () => {
    const suppliers = await poster.storage.getSuppliers()
    expect(suppliers.length).toBeGreaterThanOrEqual(5)
    for (const s of suppliers) {
      expect(typeof s.supplier_id).toBe('number')
      expect(typeof s.supplier_adress).toBe('string')
      expect(typeof s.supplier_tin).toBe('string')
    }
  })

  it('menu.getIngredients turns "12.34000" into numbers, negatives included', async () => {
    const ingredients = await poster.menu.getIngredients()
    expect(ingredients.length).toBeGreaterThanOrEqual(20)
    for (const i of ingredients) {
      expect(Number.isFinite(i.ingredient_left)).toBe(true)
      expect(typeof i.category_id).toBe('number')
      expect(['kg', 'p', 'l']).toContain(i.ingredient_unit)
    }
  })

  it('storage.getStorageLeftovers: ingredients and products apart, per-storage fields only for one storage, kopecks', async () => {
    const [storage] = await poster.storage.getStorages()
    const rows = await poster.storage.getStorageLeftovers({
      storage_id: storage!.storage_id,
      zero_leftovers: true,
    })
    expect(rows.length).toBeGreaterThan(0)
    for (const r of rows) {
      expect(r.storage_id).toBe(storage!.storage_id)
      expect(typeof r.storage_ingredient_left).toBe('number')
      expect(Number.isInteger(r.prime_cost)).toBe(true) // kopecks: whole numbers
      // Poster's sum is the positive quantity at prime cost.
      expect(r.storage_ingredient_sum).toBe(
        Math.round(Math.max(0, r.storage_ingredient_left!) * r.prime_cost!),
      )
    }
    expect(new Set(rows.map((r) => r.ingredients_type))).toEqual(
      new Set([leftoverTypes.ingredient, leftoverTypes.product]),
    )
    const all = await poster.storage.getStorageLeftovers({ zero_leftovers: true })
    expect(all.some((r) => 'storage_ingredient_left' in r || 'storage_id' in r)).toBe(false)
    expect(all.some((r) => r.ingredient_left < 0)).toBe(true)
    expect(toCurrencyUnits(all[0]!.prime_cost!)).toBe(all[0]!.prime_cost! / 100)
  })

  it('menu.getCategoriesIngredients, menu.getCategories and menu.getProducts (all three kinds)', async () => {
    const ingredientCategories = await poster.menu.getCategoriesIngredients()
    expect(ingredientCategories[0]).toMatchObject({ category_id: 1, name: expect.any(String) })
    expect(ingredientCategories[0]!.category_name).toBe(ingredientCategories[0]!.name)
    const categories = await poster.menu.getCategories()
    expect(categories.filter((c) => c.parent_category === 0).length).toBeGreaterThan(0)
    const products = await poster.menu.getProducts()
    expect(products.length).toBeGreaterThanOrEqual(9)
    expect(new Set(products.map((p) => p.type))).toEqual(new Set([2, 3]))
    for (const p of products) {
      expect(typeof p.cost).toBe('number')
      const prices = p.spots ?? p.modifications?.flatMap((m) => m.spots ?? []) ?? []
      expect(prices.length).toBeGreaterThan(0)
      expect(typeof prices[0]!.price).toBe('number')
    }
    const dish = products.find((p) => p.type === 2)!
    expect(Object.values(dish.price!).every((v) => typeof v === 'number')).toBe(true)
    const firstCategory = products[0]!.menu_category_id!
    const filtered = await poster.menu.getProducts({ category_id: firstCategory })
    expect(filtered.every((p) => p.menu_category_id === firstCategory)).toBe(true)
    const dishes = await poster.menu.getProducts({ type: 'batchtickets' })
    expect(dishes.length).toBeGreaterThan(0)
    expect(dishes.every((p) => p.type === 2)).toBe(true)
  })

  it('access.getSpots and settings.getAllSettings (COMPANY_ID is the account name)', async () => {
    const spots = await poster.access.getSpots()
    expect(spots[0]!.storages![0]).toEqual({
      storage_id: expect.any(Number),
      storage_name: expect.any(String),
      storage_adress: expect.any(String),
    })
    const settings = await poster.settings.getAllSettings()
    expect(settings.COMPANY_ID).toBe(fake.accounts[0]!.account)
    expect(settings.currency?.currency_code_iso).toBe('UAH')
  })

  it('createSupply returns the new id, getSupplies lists it by date, deleteSupply keeps it as deleted', async () => {
    const [supplier] = (await poster.storage.getSuppliers()).filter((s) => s.delete === 0)
    const [storage] = await poster.storage.getStorages()
    const before = await poster.storage.getStorageLeftovers({
      storage_id: storage!.storage_id,
      zero_leftovers: true,
    })
    const id = await poster.storage.createSupply({
      supply: {
        date: '2026-02-15 10:30:00',
        supplier_id: supplier!.supplier_id,
        storage_id: storage!.storage_id,
        supply_comment: 'rc-order:test',
      },
      ingredient: [{ id: 2, type: 4, num: 3, sum: 120.5 }],
    })
    expect(typeof id).toBe('number')
    const supplies = await poster.storage.getSupplies({
      dateFrom: '20260215',
      dateTo: new Date(Date.UTC(2026, 1, 15)),
    })
    expect(supplies).toEqual([
      expect.objectContaining({
        supply_id: id,
        supplier_id: supplier!.supplier_id,
        supply_sum: 36150, // 3 x 120.50 in kopecks
        supply_comment: 'rc-order:test',
        delete: 0,
      }),
    ])
    const after = await poster.storage.getStorageLeftovers({
      storage_id: storage!.storage_id,
      zero_leftovers: true,
    })
    const left = (rows: typeof after) => rows.find((r) => r.ingredient_id === 2)!.storage_ingredient_left!
    expect(left(after) - left(before)).toBeCloseTo(3, 5)

    await poster.storage.deleteSupply(id)
    const deleted = await poster.storage.getSupplies({ dateFrom: '20260215', dateTo: '20260215' })
    expect(deleted).toEqual([expect.objectContaining({ supply_id: id, delete: 1 })])
    const undone = await poster.storage.getStorageLeftovers({
      storage_id: storage!.storage_id,
      zero_leftovers: true,
    })
    expect(left(undone)).toBeCloseTo(left(before), 5)
  })

  it('getSupplies: awaited, the last month; iterated over date ranges, every supply once, newest first', async () => {
    const from = new Date(Date.now() - 120 * 86_400_000)
    const everything = fake.accounts[0]!.data.supplies.filter(
      (r) => String(r.date) >= from.toISOString().slice(0, 10),
    ).map((r) => Number(r.supply_id))
    const lastMonth = await poster.storage.getSupplies()
    expect(lastMonth.length).toBeGreaterThan(0)
    expect(lastMonth.length).toBeLessThan(everything.length)
    const before = fake.requests.length
    const walked: PosterSupply[] = []
    for await (const supply of poster.storage.getSupplies({
      dateFrom: new Date(Date.now() - 120 * 86_400_000),
      rangeDays: 7,
    }))
      walked.push(supply)
    expect(walked.map((s) => s.supply_id).sort((a, b) => a - b)).toEqual(
      [...everything].sort((a, b) => a - b),
    )
    expect(walked.map((s) => s.date)).toEqual(
      walked
        .map((s) => s.date)
        .sort()
        .reverse(),
    )
    expect(fake.requests.length - before).toBe(Math.ceil(121 / 7)) // one call per 7-day range
    // Stopping early stops the calls.
    const first = fake.requests.length
    for await (const _ of poster.storage.getSupplies({ dateFrom: new Date(Date.now() - 120 * 86_400_000) }))
      break
    expect(fake.requests.length - first).toBeLessThanOrEqual(3)
  })

  it('call() reaches any method, with or without a schema', async () => {
    const raw = await poster.call('storage.getStorages')
    expect(Array.isArray(raw)).toBe(true)
    expect((raw as Array<{ storage_id: unknown }>)[0]).toHaveProperty('storage_id')
  })

  it('each account sees its own data', async () => {
    const other = fake.accounts[1]!
    const second = createPosterClient({ account: other.account, token: other.token, baseUrl: fake.url })
    const settings = await second.settings.getAllSettings()
    expect(settings.COMPANY_ID).toBe(other.account)
  })
})
