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
    const again = await createFakePoster({ accounts: 3, seed: 3 })
    const other = await createFakePoster({ accounts: 3, seed: 4 })
    try {
      expect(again.accounts.map((a) => [a.token, a.data])).toEqual(
        fake.accounts.map((a) => [a.token, a.data]),
      )
      expect(other.accounts[0]!.data.ingredients).not.toEqual(fake.accounts[0]!.data.ingredients)
      expect(fake.accounts[0]!.data.suppliers).not.toEqual(fake.accounts[1]!.data.suppliers)
      expect(fake.accounts[0]!.token).toMatch(/^\d+:[0-9a-f]{32}$/)
    } finally {
      await again.close()
      await other.close()
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
    expect(data.products.every((p) => Array.isArray(p.spots))).toBe(true)
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
