import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createPosterClient, PosterApiError } from '../src/index'
import { createFakePoster, type FakePoster } from '../src/testing'
import { rejectionOf } from './helpers'

let fake: FakePoster
beforeAll(async () => {
  fake = await createFakePoster({ accounts: 3, seed: 3 })
})
afterAll(() => fake.close())

async function post(method: string, body: string, contentType: string, token = fake.accounts[0]!.token) {
  const response = await fetch(`${fake.url}/api/${method}?token=${encodeURIComponent(token)}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const suppliesOf = (i: number) => fake.accounts[i]!.data.supplies

describe('createFakePoster', () => {
  it('generates the same data for the same seed and different data per account', async () => {
    const now = () => Date.UTC(2026, 5, 1, 12)
    const first = await createFakePoster({ accounts: 3, seed: 3, now })
    const again = await createFakePoster({ accounts: 3, seed: 3, now })
    const other = await createFakePoster({ accounts: 3, seed: 4, now })
    try {
      expect(again.accounts.map((a) => [a.token, a.data])).toEqual(
        first.accounts.map((a) => [a.token, a.data]),
      )
      expect(other.accounts[0]!.data.ingredients).not.toEqual(first.accounts[0]!.data.ingredients)
      expect(first.accounts[0]!.data.suppliers).not.toEqual(first.accounts[1]!.data.suppliers)
      expect(first.accounts[0]!.token).toMatch(/^\d+:[0-9a-f]{32}$/)
    } finally {
      await Promise.all([first.close(), again.close(), other.close()])
    }
  })

  it('serves Poster-shaped rows: strings for numbers, misspelt fields, negative leftovers', async () => {
    const { data } = fake.accounts[0]!
    expect(data.suppliers[0]).toHaveProperty('supplier_adress')
    expect(data.storages[0]).toHaveProperty('storage_adress')
    expect(typeof data.ingredients[0]!.ingredient_left).toBe('string')
    const negatives = fake.accounts.flatMap((a) =>
      [...a.data.leftovers.values()].flatMap((m) => [...m.values()]),
    )
    expect(negatives.some((v) => v < 0)).toBe(true)
    // Goods keep stock of their own, under an ingredient_id apart from the ingredients'.
    const goods = data.products.filter((p) => p.type === '3')
    expect(goods.length).toBeGreaterThan(0)
    for (const p of goods) expect(data.stockItems.get(Number(p.ingredient_id))).toMatchObject({ kind: 2 })
  })

  it('lists ingredients and products together in leftovers, per-storage fields only for one storage', async () => {
    const get = async (query: string) => {
      const token = encodeURIComponent(fake.accounts[0]!.token)
      return (
        (await (
          await fetch(`${fake.url}/api/storage.getStorageLeftovers?token=${token}&${query}`)
        ).json()) as {
          response: Array<Record<string, unknown>>
        }
      ).response
    }
    const all = await get('zero_leftovers=true')
    expect(new Set(all.map((r) => r.ingredients_type))).toEqual(new Set(['1', '2']))
    expect(all.every((r) => !('storage_id' in r) && !('storage_ingredient_left' in r))).toBe(true)
    const one = await get('storage_id=1&zero_leftovers=true')
    expect(one.every((r) => r.storage_id === '1' && typeof r.storage_ingredient_left === 'string')).toBe(true)
    // Without zero_leftovers, the zero rows are left out (of that storage, for one storage).
    const nonZero = await get('storage_id=1')
    expect(nonZero.length).toBeLessThan(one.length)
    expect(nonZero.every((r) => Number(r.storage_ingredient_left) !== 0)).toBe(true)
    // type=4 is ingredients only, type=1 products only.
    expect(new Set((await get('zero_leftovers=true&type=4')).map((r) => r.ingredients_type))).toEqual(
      new Set(['1']),
    )
    expect(new Set((await get('zero_leftovers=true&type=1')).map((r) => r.ingredients_type))).toEqual(
      new Set(['2']),
    )
  })

  it('getSupplies: the last month without dates (then paged), a date range ignoring limit and offset', async () => {
    const today = Date.UTC(2026, 5, 30)
    const dated = await createFakePoster({ accounts: 1, seed: 3, now: () => today + 12 * 3_600_000 })
    try {
      const token = encodeURIComponent(dated.accounts[0]!.token)
      const get = async (query = '') =>
        (
          (await (await fetch(`${dated.url}/api/storage.getSupplies?token=${token}&${query}`)).json()) as {
            response: Array<{ supply_id: string; date: string }>
          }
        ).response
      const everything = dated.accounts[0]!.data.supplies
      const monthAgo = '2026-05-30'
      const lastMonth = everything.filter((r) => String(r.date) >= monthAgo).map((r) => r.supply_id)
      expect(lastMonth.length).toBeGreaterThan(0)
      expect(lastMonth.length).toBeLessThan(everything.length) // older ones exist and stay out
      expect((await get()).map((r) => r.supply_id)).toEqual(lastMonth)
      expect((await get('limit=1&offset=1')).map((r) => r.supply_id)).toEqual(lastMonth.slice(1, 2))
      const range = await get('dateFrom=20260101&dateTo=20260630&limit=1&offset=1')
      expect(range.map((r) => r.supply_id)).toEqual(everything.map((r) => r.supply_id))
      // Newest first, as Poster lists them.
      expect(range.map((r) => r.date)).toEqual([...range.map((r) => r.date)].sort().reverse())
    } finally {
      await dated.close()
    }
  })

  it('deleteSupply answers {"success":1} alone and keeps the supply listed as deleted', async () => {
    const supply = suppliesOf(1).find((r) => r.delete === '0')!
    const token = fake.accounts[1]!.token
    const answer = await post(
      'storage.deleteSupply',
      JSON.stringify({ supply_id: Number(supply.supply_id) }),
      'application/json',
      token,
    )
    expect(answer.body).toEqual({ success: 1 })
    expect(supply.delete).toBe('1')
    const missing = await post(
      'storage.deleteSupply',
      JSON.stringify({ supply_id: 99_999 }),
      'application/json',
      token,
    )
    expect(missing.body).toMatchObject({ error: 32, field: 'supply_id' })
  })

  it('a lost reply: the write is made, the answer never comes', async () => {
    const { account, token, data } = fake.accounts[2]!
    const supplier = data.suppliers.find((r) => r.delete === '0')!
    fake.failNext('lost-reply', { method: 'storage.createSupply', account })
    const poster = createPosterClient({ account, token, baseUrl: fake.url, timeout: '300ms' })
    const before = data.supplies.length
    const error = await rejectionOf(
      poster.storage.createSupply({
        supply: { date: '2026-05-02 09:00:00', supplier_id: Number(supplier.supplier_id), storage_id: 1 },
        ingredient: [{ id: 1, type: 4, num: 1, sum: 1 }],
      }),
    )
    expect(error).toMatchObject({ code: 'POSTER_TIMEOUT' })
    expect(data.supplies).toHaveLength(before + 1)
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'storage.createSupply',
      outcome: 'lost-reply',
      status: 0,
    })
  })

  it('failNext can target one account', async () => {
    const [a, b] = fake.accounts
    fake.failNext('server-error', { account: b!.account, times: 2 })
    const status = async (token: string) =>
      (await fetch(`${fake.url}/api/access.getSpots?token=${encodeURIComponent(token)}`)).status
    expect([await status(a!.token), await status(a!.token)]).toEqual([200, 200])
    expect((await status(b!.token)) >= 500).toBe(true)
    expect((await status(b!.token)) >= 500).toBe(true)
    expect(await status(b!.token)).toBe(200)
  })

  it('with variants, sends the other JSON type for some numeric fields (as seen in the wild)', async () => {
    const varied = await createFakePoster({ accounts: 1, variants: true })
    try {
      const token = encodeURIComponent(varied.accounts[0]!.token)
      const rows = (
        (await (
          await fetch(`${varied.url}/api/storage.getStorageLeftovers?token=${token}&zero_leftovers=true`)
        ).json()) as {
          response: Array<Record<string, unknown>>
        }
      ).response
      const types = new Set(rows.map((r) => typeof r.prime_cost))
      expect(types).toEqual(new Set(['number', 'string']))
    } finally {
      await varied.close()
    }
  })

  it.each([
    [
      'documented JSON',
      (s: number) =>
        JSON.stringify({
          supply: { date: '2026-05-01 10:00:00', supplier_id: s, storage_id: 1 },
          ingredient: [{ id: 3, type: 4, num: 2, sum: 10 }],
        }),
      'application/json',
    ],
    [
      'seen `ingredients`',
      (s: number) =>
        JSON.stringify({
          supply: { date: '2026-05-01 10:00', supplier_id: s, storage_id: 1 },
          ingredients: [{ id: 3, type: '4', num: '2', sum: '10' }],
        }),
      'application/json',
    ],
    [
      'seen flat',
      (s: number) =>
        JSON.stringify({
          date: '2026-05-01',
          supplier_id: String(s),
          storage_id: '1',
          ingredient: [{ id: 3, type: 4, num: 2, sum: 10 }],
        }),
      'application/json',
    ],
    [
      'form-encoded',
      (s: number) =>
        `supply[date]=2026-05-01+10:00:00&supply[supplier_id]=${s}&supply[storage_id]=1&ingredient[0][id]=3&ingredient[0][type]=4&ingredient[0][num]=2&ingredient[0][sum]=10`,
      'application/x-www-form-urlencoded',
    ],
  ])('createSupply accepts the %s body and getSupplies shows it', async (_, body, type) => {
    const supplierId = Number(fake.accounts[0]!.data.suppliers.find((r) => r.delete === '0')!.supplier_id)
    const before = suppliesOf(0).length
    const answer = await post('storage.createSupply', body(supplierId), type)
    expect(answer.body.success).toBe(1)
    const id = Number(answer.body.response)
    expect(suppliesOf(0)).toHaveLength(before + 1)
    const { account, token } = fake.accounts[0]!
    const supplies = await createPosterClient({ account, token, baseUrl: fake.url }).storage.getSupplies({
      dateFrom: '20260501',
      dateTo: '20260501',
    })
    expect(supplies.find((s) => s.supply_id === id)).toMatchObject({
      supplier_id: supplierId,
      storage_id: 1,
      supply_sum: 2000,
    })
    expect(fake.accounts[0]!.data.supplyLines.get(id)).toEqual([{ id: 3, type: 4, num: 2, sum: 10 }])
  })

  it('createSupply errors come in the flat shape with the field', async () => {
    const missing = await post(
      'storage.createSupply',
      JSON.stringify({ supply: { date: '2026-05-01 10:00:00', storage_id: 1 }, ingredient: [] }),
      'application/json',
    )
    expect(missing.body).toEqual({ error: 34, message: expect.any(String), field: 'supplier_id' })
    const { account, token } = fake.accounts[0]!
    const poster = createPosterClient({ account, token, baseUrl: fake.url })
    const error = await rejectionOf(
      poster.storage.createSupply({
        supply: { date: '2026-05-01 10:00:00', supplier_id: 999, storage_id: 1 },
        ingredient: [{ id: 1, type: 4, num: 1, sum: 1 }],
      }),
    )
    expect(error).toBeInstanceOf(PosterApiError)
    expect(error).toMatchObject({ posterCode: 32, field: 'supplier_id' })
  })

  it('enforces its rate limit with 429 and Retry-After, per account', async () => {
    const limited = await createFakePoster({ accounts: 2, rateLimit: { perSecond: 2 } })
    try {
      const [a, b] = limited.accounts
      const get = (token: string) =>
        fetch(`${limited.url}/api/access.getSpots?token=${encodeURIComponent(token)}`)
      const answers = await Promise.all([get(a!.token), get(a!.token), get(a!.token), get(b!.token)])
      expect(answers.map((r) => r.status)).toEqual([200, 200, 429, 200])
      expect(Number(answers[2]!.headers.get('retry-after'))).toBe(1)
      expect(limited.requests.map((r) => r.outcome)).toEqual(['ok', 'ok', 'rate-limited', 'ok'])
    } finally {
      await limited.close()
    }
  })

  it('enforces a sliding-minute limit per account, alone or with the per-second one', async () => {
    // Only performance.now is faked: the fake stamps requests with it, while sockets keep real timers.
    vi.useFakeTimers({ toFake: ['performance'] })
    const limited = await createFakePoster({ accounts: 2, rateLimit: { perMinute: 3 } })
    try {
      const [a, b] = limited.accounts
      const get = async (token: string) => {
        const response = await fetch(`${limited.url}/api/access.getSpots?token=${encodeURIComponent(token)}`)
        await response.arrayBuffer()
        return response
      }
      const statuses: number[] = []
      for (let i = 0; i < 3; i++) {
        statuses.push((await get(a!.token)).status)
        vi.advanceTimersByTime(10_000) // three requests at 0, 10 and 20 s
      }
      const refused = await get(a!.token) // at 30 s: the minute holds three
      expect(statuses).toEqual([200, 200, 200])
      expect(refused.status).toBe(429)
      expect(Number(refused.headers.get('retry-after'))).toBe(30) // the first leaves the window at 60 s
      expect((await get(b!.token)).status).toBe(200) // other accounts keep their own minute

      vi.advanceTimersByTime(30_001) // 60 s after the first request: one slot is free again
      expect((await get(a!.token)).status).toBe(200)
      const again = await get(a!.token)
      expect(again.status).toBe(429)
      expect(Number(again.headers.get('retry-after'))).toBe(10)
      expect(limited.requests.filter((r) => r.account === a!.account).map((r) => r.outcome)).toEqual([
        'ok',
        'ok',
        'ok',
        'rate-limited',
        'ok',
        'rate-limited',
      ])
    } finally {
      vi.useRealTimers()
      await limited.close()
    }

    const both = await createFakePoster({ accounts: 1, rateLimit: { perSecond: 2, perMinute: 3 } })
    try {
      const token = encodeURIComponent(both.accounts[0]!.token)
      const get = () => fetch(`${both.url}/api/access.getSpots?token=${token}`)
      const burst = await Promise.all([get(), get(), get()])
      expect(burst.map((r) => r.status)).toEqual([200, 200, 429])
      expect(Number(burst[2]!.headers.get('retry-after'))).toBe(1) // the second binds first
    } finally {
      await both.close()
    }
  })

  it('draws faults from its seed: the same seed injects the same faults', async () => {
    const outcomes = async () => {
      const f = await createFakePoster({
        accounts: 1,
        seed: 9,
        faults: { serverError: 0.3, malformedJson: 0.2 },
      })
      try {
        for (let i = 0; i < 30; i++)
          await fetch(`${f.url}/api/access.getSpots?token=${encodeURIComponent(f.accounts[0]!.token)}`)
        return f.requests.map((r) => r.outcome)
      } finally {
        await f.close()
      }
    }
    const first = await outcomes()
    expect(await outcomes()).toEqual(first)
    expect(first.filter((o) => o === 'server-error').length).toBeGreaterThan(3)
    expect(first.filter((o) => o === 'malformed-json').length).toBeGreaterThan(1)
    expect(first.filter((o) => o === 'ok').length).toBeGreaterThan(10)
  })

  it('failNext targets a method and a number of calls', async () => {
    fake.failNext('server-error', { times: 2, method: 'menu.getCategories' })
    const token = encodeURIComponent(fake.accounts[0]!.token)
    const statuses: number[] = []
    for (const method of [
      'access.getSpots',
      'menu.getCategories',
      'menu.getCategories',
      'menu.getCategories',
    ]) {
      statuses.push((await fetch(`${fake.url}/api/${method}?token=${token}`)).status)
    }
    expect(statuses[0]).toBe(200)
    expect(statuses[1]! >= 500 && statuses[2]! >= 500).toBe(true)
    expect(statuses[3]).toBe(200)
  })

  it('answers 10 without a token and records requests without it', async () => {
    const answer = await (await fetch(`${fake.url}/api/access.getSpots`)).json()
    expect(answer).toEqual({ error: { code: 10, message: expect.any(String) } })
    expect(JSON.stringify(fake.requests)).not.toContain(fake.accounts[0]!.token.split(':')[1]!)
  })
})
