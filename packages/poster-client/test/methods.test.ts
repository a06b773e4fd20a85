import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPosterClient, type PosterClient } from '../src/index'
import { createFakePoster, type FakePoster } from '../src/testing'

let fake: FakePoster
let poster: PosterClient

beforeAll(async () => {
  fake = await createFakePoster({ accounts: 2, seed: 7 })
  const { account, token } = fake.accounts[0]!
  poster = createPosterClient({
    account,
    token,
    baseUrl: fake.url,
    rateLimit: { perSecond: 100, maxConcurrent: 10 },
  })
})
afterAll(() => fake.close())

describe('typed methods parse what the fake serves', () => {
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
    const raw = fake.accounts[0]!.data.suppliers
    expect(raw.some((r) => typeof r.supplier_tin === 'number')).toBe(true)
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

  it('storage.getStorageLeftovers reports negative leftovers per storage and coerces prime_cost', async () => {
    const [storage] = await poster.storage.getStorages()
    const rows = await poster.storage.getStorageLeftovers({
      storage_id: storage!.storage_id,
      zero_leftovers: true,
    })
    expect(rows.length).toBeGreaterThan(0)
    for (const r of rows) {
      expect(r.storage_id).toBe(storage!.storage_id)
      expect(typeof r.prime_cost).toBe('number')
      expect(typeof r.storage_ingredient_left).toBe('number')
    }
    const all = await poster.storage.getStorageLeftovers({ zero_leftovers: true })
    expect(
      all.some((r) => r.ingredient_left < 0) || rows.some((r) => (r.storage_ingredient_left ?? 0) < 0),
    ).toBe(true)
  })

  it('menu.getCategoriesIngredients, menu.getCategories and menu.getProducts with spots', async () => {
    const ingredientCategories = await poster.menu.getCategoriesIngredients()
    expect(ingredientCategories[0]).toEqual({ category_id: 1, name: expect.any(String) })
    const categories = await poster.menu.getCategories()
    expect(categories.filter((c) => c.parent_category === 0).length).toBeGreaterThan(0)
    const products = await poster.menu.getProducts()
    expect(products.length).toBeGreaterThanOrEqual(12)
    for (const p of products) {
      expect([1, 2, 3]).toContain(p.type)
      expect(typeof p.cost).toBe('number')
      expect(p.spots!.length).toBeGreaterThan(0)
      expect(typeof p.spots![0]!.price).toBe('number')
    }
    const firstCategory = products[0]!.menu_category_id!
    const filtered = await poster.menu.getProducts({ category_id: firstCategory })
    expect(filtered.every((p) => p.menu_category_id === firstCategory)).toBe(true)
  })

  it('access.getSpots and settings.getAllSettings', async () => {
    const spots = await poster.access.getSpots()
    expect(spots[0]!.storages![0]).toEqual({
      storage_id: expect.any(Number),
      storage_name: expect.any(String),
    })
    const settings = await poster.settings.getAllSettings()
    expect(settings.COMPANY_ID).toBe(fake.accounts[0]!.accountNumber)
    expect(settings.uses_storage).toBe(1)
  })

  it('createSupply returns the new id and getSupplies then lists it, filtered by date', async () => {
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
      },
      ingredient: [{ id: 2, type: 4, num: 3, sum: 120.5 }],
    })
    expect(typeof id).toBe('number')
    const supplies = await poster.storage.getSupplies({
      dateFrom: '20260215',
      dateTo: new Date(Date.UTC(2026, 1, 15)),
    })
    expect(supplies).toEqual([
      expect.objectContaining({ supply_id: id, supplier_id: supplier!.supplier_id, supply_sum: 36150 }),
    ])
    const after = await poster.storage.getStorageLeftovers({
      storage_id: storage!.storage_id,
      zero_leftovers: true,
    })
    const left = (rows: typeof after) => rows.find((r) => r.ingredient_id === 2)!.storage_ingredient_left!
    expect(left(after) - left(before)).toBeCloseTo(3, 5)
  })

  it('call() reaches any method, with or without a schema', async () => {
    const raw = await poster.call('storage.getStorages')
    expect(Array.isArray(raw)).toBe(true)
    expect(typeof (raw as Array<{ storage_id: unknown }>)[0]!.storage_id).toBe('string')
  })

  it('each account sees its own data', async () => {
    const other = fake.accounts[1]!
    const second = createPosterClient({ account: other.account, token: other.token, baseUrl: fake.url })
    const settings = await second.settings.getAllSettings()
    expect(settings.COMPANY_ID).toBe(other.accountNumber)
  })
})
