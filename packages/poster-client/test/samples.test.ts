// Poster's own documented answers (shared/poster-samples), each served byte for byte over HTTP, through
// the typed method, error mapping, OAuth exchange or webhook parser that must read it.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { posterSampleNames, readPosterSample } from '@rc/test-services'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createPosterClient,
  type Kopecks,
  PosterApiError,
  PosterAuthError,
  toCurrencyUnits,
} from '../src/index'
import { exchangeCode } from '../src/oauth'
import { PosterWebhookError, parseWebhook, webhookSignature } from '../src/webhooks'
import { rejectionOf, serveVerbatim } from './helpers'

const servers: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

/** A client whose Poster is a server answering `sample` verbatim to every request. */
async function clientFor(sample: string, status = 200) {
  const server = await serveVerbatim(readPosterSample(sample).text, status)
  servers.push(server)
  const poster = createPosterClient({
    account: 'demo',
    token: '687409:4164553abf6a031302898da7800b59fb',
    baseUrl: server.url,
    retry: false,
  })
  return { poster, requests: server.requests }
}

const kopecks = (n: number) => n as Kopecks

type Case = () => Promise<void>

/** One case per sample file; a sample added without a case fails the completeness test below. */
const cases: Record<string, Case> = {
  async 'storage.getStorages'() {
    const { poster } = await clientFor('storage.getStorages')
    expect(await poster.storage.getStorages()).toEqual([
      { storage_id: 1, storage_name: 'Склад Кухня', storage_adress: '', delete: 0 },
      { storage_id: 2, storage_name: 'Склад Бар', storage_adress: '', delete: 0 },
    ])
  },

  async 'storage.getSuppliers'() {
    const { poster } = await clientFor('storage.getSuppliers')
    const suppliers = await poster.storage.getSuppliers()
    expect(suppliers).toHaveLength(3)
    expect(suppliers[1]).toEqual({
      supplier_id: 2,
      supplier_name: 'Напитков Иван',
      supplier_phone: '0956734678',
      supplier_adress: 'ул. Лесная 3',
      supplier_comment: '',
      supplier_code: '',
      supplier_tin: '',
      delete: 0,
    })
  },

  async 'menu.getIngredients'() {
    const { poster } = await clientFor('menu.getIngredients')
    const [jack] = await poster.menu.getIngredients()
    expect(jack).toMatchObject({
      ingredient_id: 91,
      ingredient_name: 'Jack Daniels',
      category_id: 3,
      ingredient_left: 443.45,
      limit_value: 0,
      ingredient_unit: 'l',
      ingredient_weight: 0,
      ingredients_type: 1,
      partial_write_off: 0,
      ingredients_losses_clear: '0', // unknown fields kept as sent
    })
  },

  async 'menu.getCategoriesIngredients'() {
    const { poster } = await clientFor('menu.getCategoriesIngredients')
    const categories = await poster.menu.getCategoriesIngredients()
    // The example says `name`, the field table `category_name`: both come out.
    expect(categories[0]).toEqual({
      category_id: 3,
      name: 'Алкоголь',
      category_name: 'Алкоголь',
      id_1c: 'b80ffc81-0fc9-11e7-9ab4-ace01035e460',
    })
    expect(categories.map((c) => c.name)).toEqual(['Алкоголь', 'Мясо', 'Овощи', 'Фрукты'])
  },

  async 'menu.getCategories'() {
    const { poster } = await clientFor('menu.getCategories')
    expect(await poster.menu.getCategories()).toEqual([
      expect.objectContaining({
        category_id: 2,
        category_name: 'Sushi rolls',
        parent_category: 0,
        category_hidden: 0,
        sort_order: 999,
        category_tag: 'sushi',
      }),
    ])
  },

  async 'menu.getProducts'() {
    const { poster } = await clientFor('menu.getProducts')
    const [borjomi, evian, setMenu] = await poster.menu.getProducts()
    expect(borjomi).toMatchObject({ product_id: 139, type: 3, cost: 100, cost_netto: 83, ingredient_id: 9 })
    expect(borjomi!.modifications![0]!.spots![0]).toMatchObject({
      spot_id: 1,
      price: 68100,
      profit_netto: 56750,
    })
    expect(evian!.spots).toEqual([
      { spot_id: 1, price: 19000, profit: 18346, profit_netto: 15288, visible: 1 },
      { spot_id: 2, price: 19000, profit: 18346, profit_netto: 15288, visible: 1 },
    ])
    expect(toCurrencyUnits(evian!.spots![0]!.price!)).toBe(190)
    expect(setMenu).toMatchObject({ type: 2, hidden: 0, price: { 1: 30000, 2: 30000 }, out: 100 })
    // Undocumented fields and units pass through as sent.
    expect(
      (setMenu as unknown as { group_modifications: Array<{ modifications: Array<{ price: unknown }> }> })
        .group_modifications[0]!.modifications[0]!.price,
    ).toBe(99.99)
  },

  async 'storage.getStorageLeftovers'() {
    const { poster, requests } = await clientFor('storage.getStorageLeftovers')
    const rows = await poster.storage.getStorageLeftovers({ zero_leftovers: true })
    expect(new URL(requests[0]!.url, 'http://x').searchParams.get('zero_leftovers')).toBe('true')
    const [apples, apple, eggs] = rows
    expect(apples).toEqual({
      ingredient_id: 39,
      ingredient_name: 'Apples',
      ingredient_left: 3143,
      limit_value: 0,
      ingredient_unit: 'p',
      ingredients_type: 2,
      storage_ingredient_sum: 4591923,
      storage_ingredient_sum_netto: 3826603,
      prime_cost: 1461,
      prime_cost_netto: 1218,
      hidden: 0,
    })
    // Kopecks, self-consistent: quantity x prime cost = the storage sum, 45,919.23 in currency units.
    expect(apples!.ingredient_left * apples!.prime_cost!).toBe(apples!.storage_ingredient_sum)
    expect(toCurrencyUnits(apples!.storage_ingredient_sum!)).toBe(45919.23)
    expect(apple!.ingredient_left).toBe(-908)
    expect(eggs!.ingredients_type).toBe(1)
    // Called without storage_id: no per-storage fields.
    expect(apples).not.toHaveProperty('storage_ingredient_left')
  },

  async 'storage.getSupplies'() {
    const { poster, requests } = await clientFor('storage.getSupplies')
    const supplies = await poster.storage.getSupplies()
    expect(supplies[0]).toEqual({
      supply_id: 48,
      storage_id: 1,
      supplier_id: 1,
      date: '2017-11-17 08:09:33',
      supply_sum: kopecks(1800),
      supply_sum_netto: kopecks(1500),
      supply_comment: '',
      storage_name: 'Склад Кухня',
      supplier_name: 'Закупщик',
      delete: 1,
      account_id: null,
    })
    expect(toCurrencyUnits(supplies[2]!.supply_sum!)).toBe(6698828.9)
    // Iterated: one call per date range; the same rows from two ranges come out once, newest first.
    const walked: number[] = []
    for await (const supply of poster.storage.getSupplies({
      dateFrom: '20171101',
      dateTo: '20171130',
      rangeDays: 15,
    }))
      walked.push(supply.supply_id)
    expect(walked).toEqual([48, 47, 46])
    const ranges = requests.slice(1).map((r) => {
      const q = new URL(r.url, 'http://x').searchParams
      return [q.get('dateFrom'), q.get('dateTo')]
    })
    expect(ranges).toEqual([
      ['20171116', '20171130'],
      ['20171101', '20171115'],
    ])
  },

  async 'storage.createSupply'() {
    const { poster, requests } = await clientFor('storage.createSupply')
    const id = await poster.storage.createSupply({
      supply: { date: '2026-02-01 10:00:00', supplier_id: 1, storage_id: 1, supply_comment: 'rc-order:x' },
      ingredient: [{ id: 138, type: 1, num: 3, sum: 6 }],
    })
    expect(id).toBe(7)
    expect(requests[0]!.method).toBe('POST')
    expect(JSON.parse(requests[0]!.body)).toEqual({
      supply: { date: '2026-02-01 10:00:00', supplier_id: 1, storage_id: 1, supply_comment: 'rc-order:x' },
      ingredient: [{ id: 138, type: 1, num: 3, sum: 6 }],
    })
  },

  async 'storage.deleteSupply'() {
    const { poster, requests } = await clientFor('storage.deleteSupply')
    await expect(poster.storage.deleteSupply(7)).resolves.toBeUndefined()
    expect(JSON.parse(requests[0]!.body)).toEqual({ supply_id: 7 })
    // Through call() too: a success without `response` is a success, not a shape error.
    await expect(poster.call('storage.deleteSupply', { supply_id: 7 })).resolves.toBeUndefined()
  },

  async 'access.getSpots'() {
    const { poster } = await clientFor('access.getSpots')
    const spots = await poster.access.getSpots()
    expect(spots[1]).toEqual({
      spot_id: 2,
      spot_name: 'Spot in Milan',
      spot_adress: 'Rome, Milan',
      storages: [{ storage_id: 2, storage_name: 'Storage in Milan', storage_adress: 'Rome, Milan' }],
    })
  },

  async 'settings.getAllSettings'() {
    const { poster } = await clientFor('settings.getAllSettings')
    const settings = await poster.settings.getAllSettings()
    expect(settings.COMPANY_ID).toBe('demo')
    expect(settings).toMatchObject({
      company_name: 'Демо-версия Poster',
      timezones: 'Europe/Kiev',
      lang: 'ru',
      currency: { currency_id: 1, currency_code_iso: 'UAH', currency_symbol: '₴' },
      uses_tables: 1,
    })
  },

  async 'error.docs-bad-access-token'() {
    const { poster } = await clientFor('error.docs-bad-access-token')
    const error = await rejectionOf(poster.storage.getStorages())
    expect(error).toBeInstanceOf(PosterAuthError)
    expect(error).toMatchObject({ code: 'POSTER_AUTH', posterCode: 11, needsReauthorization: true })
  },

  async 'auth.access_token'() {
    const server = await serveVerbatim(readPosterSample('auth.access_token').text)
    servers.push(server)
    const answer = await exchangeCode({
      account: 'dev-example',
      applicationId: 76,
      applicationSecret: '9642176a5cdfe3f65e6e00c27b668795',
      redirectUri: 'http://localhost:8080/',
      code: 'bd8f3168d1af839cbc90d11575459465',
      baseUrl: server.url,
    })
    expect(answer).toMatchObject({
      access_token: '861052:02391570ff9af128e93c5a771055ba88',
      account_number: '861052',
      user: { id: 4, name: 'Poster', email: 'dev@joinposter.com', role_id: 3 },
      ownerInfo: { country: 'RU', company_name: 'dev-example' },
      tariff: { key: 'pricing-plan-1', next_pay_date: '2018-05-31 11:52:41', price: 2 },
    })
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/api/v2/auth/access_token' })
    expect(Object.fromEntries(new URLSearchParams(server.requests[0]!.body))).toMatchObject({
      application_id: '76',
      grant_type: 'authorization_code',
      code: 'bd8f3168d1af839cbc90d11575459465',
    })
  },

  'auth.manage-error-34': () => manageError('auth.manage-error-34', 34, 'application_id'),
  'auth.manage-error-142': () => manageError('auth.manage-error-142', 142, 'verify'),
  'auth.manage-error-143': () => manageError('auth.manage-error-143', 143, 'application_id'),

  async 'webhook.docs-transaction'() {
    const sample = readPosterSample('webhook.docs-transaction')
    const secret = 'fe2bc8e865d8fc2236968ee53c3b2bd5'
    const payload = sample.json as Record<string, string | number>
    const now = () => Number(payload.time) * 1000 + 5_000
    // Its verify is a placeholder: as published it is a bad signature, not a parse failure.
    const received = await postToReceiver(sample.text, (body) => parseWebhook(body, secret, { now }))
    expect(received).toMatchObject({ rejected: 'bad-signature' })
    // Signed as Poster would sign it, the same body (key order, types and all) parses.
    const verify = webhookSignature(
      {
        account: String(payload.account),
        object: String(payload.object),
        object_id: String(payload.object_id),
        action: String(payload.action),
        time: String(payload.time),
      },
      secret,
    )
    const signed = sample.text.replace('a23sk3d9123ka31sd3k5asd9123sad93', verify)
    expect(await postToReceiver(signed, (body) => parseWebhook(body, secret, { now }))).toEqual({
      event: {
        id: expect.any(String),
        account: 'api-demo',
        object: 'transaction',
        object_id: 1,
        action: 'added',
        known: true,
        time: 1518794257,
      },
    })
  },
}

/** The flat errors of `/api/v2/auth/manage`, through the OAuth exchange and as an API answer. */
async function manageError(sample: string, code: number, field: string) {
  const server = await serveVerbatim(readPosterSample(sample).text)
  servers.push(server)
  const oauth = await rejectionOf(
    exchangeCode({
      account: 'demo',
      applicationId: 41,
      applicationSecret: '123123',
      redirectUri: 'http://localhost/',
      code: '74367937cf906c097931a3888adf7a84',
      baseUrl: server.url,
    }),
  )
  expect(oauth).toMatchObject({ code: 'POSTER_OAUTH', posterCode: code, field })
  const { poster } = await clientFor(sample)
  const api = await rejectionOf(poster.storage.getStorages())
  expect(api).toBeInstanceOf(PosterApiError)
  expect(api).toMatchObject({ posterCode: code, field, description: expect.any(String) })
  expect(api.message).toContain(`code ${code} (`)
}

/** POSTs `body` as Poster would to a receiver that runs `parse` on the raw text it got. */
async function postToReceiver(
  body: string,
  parse: (raw: string) => unknown,
): Promise<{ event: unknown } | { rejected: string }> {
  let result: { event: unknown } | { rejected: string } = { rejected: 'nothing received' }
  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (c) => {
      raw += c
    })
    req.on('end', () => {
      try {
        result = { event: parse(raw) }
      } catch (error) {
        result = { rejected: error instanceof PosterWebhookError ? error.reason : String(error) }
      }
      res.end('{"status":"accept"}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const { port } = server.address() as AddressInfo
    await fetch(`http://127.0.0.1:${port}/webhooks/poster`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    return result
  } finally {
    server.close()
  }
}

describe("Poster's documented answers, served verbatim", () => {
  it('every sample file has a case here', () => {
    expect(posterSampleNames()).toEqual(Object.keys(cases).sort())
  })

  for (const [name, run] of Object.entries(cases)) it(name, run)
})
