import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Stack } from './stack'
import { startStack } from './stack'

// 20 restaurants synced while the fake Poster misbehaves; afterwards every restaurant must hold exactly Poster's data.
let stack: Stack

beforeAll(async () => {
  stack = await startStack({
    label: 'fault',
    restaurants: 20,
    // A short per-attempt timeout so hung calls cost half a second, not twenty.
    env: { POSTER_TIMEOUT: '500ms', WORKER_CONCURRENCY: '4' },
  })
}, 60_000)

afterAll(async () => {
  await stack?.close()
})

async function expectMirrorsPoster(index: number): Promise<void> {
  const restaurantId = stack.restaurants[index] as string
  const data = stack.fake.accounts[index]?.data
  if (!data) throw new Error('no fake account')
  const ids = async (table: string) =>
    (
      await stack.owner.query<{ poster_id: number; name: string }>(
        `SELECT poster_id, name FROM ${table} WHERE restaurant_id = $1 ORDER BY poster_id`,
        [restaurantId],
      )
    ).rows.map((r) => `${r.poster_id}:${r.name}`)
  const expected = (rows: Array<Record<string, unknown>>, id: string, name: string) =>
    rows
      .map((r) => `${Number(r[id])}:${String(r[name])}`)
      .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))

  expect(await ids('storages'), `${restaurantId} storages`).toEqual(
    expected(data.storages, 'storage_id', 'storage_name'),
  )
  expect(await ids('suppliers'), `${restaurantId} suppliers`).toEqual(
    expected(data.suppliers, 'supplier_id', 'supplier_name'),
  )
  expect(await ids('categories'), `${restaurantId} categories`).toEqual(
    expected(data.categories, 'category_id', 'category_name'),
  )
  expect(await ids('ingredients'), `${restaurantId} ingredients`).toEqual(
    expected(data.ingredients, 'ingredient_id', 'ingredient_name'),
  )
  expect(await ids('products'), `${restaurantId} products`).toEqual(
    expected(data.products, 'product_id', 'product_name'),
  )

  const { rows: stock } = await stack.owner.query<{ s: number; i: number; q: number }>(
    `SELECT storage_poster_id AS s, ingredient_poster_id AS i, quantity::float8 AS q FROM stock_levels
     WHERE restaurant_id = $1 AND quantity <> 0 ORDER BY 1, 2`,
    [restaurantId],
  )
  // Poster lists leftovers of live storages, its products' stock beside the ingredients': only
  // ingredients are stock in the app.
  const want: Array<{ s: number; i: number; q: number }> = []
  for (const [storageId, byIngredient] of data.leftovers) {
    const storage = data.storages.find((s) => Number(s.storage_id) === storageId)
    if (!storage || Number(storage.delete ?? 0) === 1) continue
    for (const [ingredientId, quantity] of byIngredient) {
      if (quantity !== 0 && data.stockItems.get(ingredientId)?.kind === 1)
        want.push({ s: storageId, i: ingredientId, q: quantity })
    }
  }
  want.sort((a, b) => a.s - b.s || a.i - b.i)
  expect(
    stock.map((r) => ({ ...r, q: Math.round(r.q * 1000) / 1000 })),
    `${restaurantId} stock`,
  ).toEqual(want.map((r) => ({ ...r, q: Math.round(r.q * 1000) / 1000 })))
}

describe('sync under faults', () => {
  it('leaves all 20 restaurants correct and complete through 429s, 5xx, hangs, cut JSON and dropped connections', async () => {
    stack.fake.setFaults({
      serverError: 0.12,
      rateLimit: 0.08,
      hang: 0.03,
      malformedJson: 0.05,
      disconnect: 0.03,
      retryAfter: '100ms',
    })
    const jobs = await Promise.all(
      stack.restaurants.map((restaurantId) =>
        stack.runtime.jobs.enqueueSync({ restaurantId, reason: 'manual' }),
      ),
    )
    const results = await Promise.all(jobs.map((job) => stack.waitForJob(job.id, 240_000)))
    stack.fake.resetFaults()

    const outcomes = new Set(stack.fake.requests.map((r) => r.outcome))
    for (const fault of ['server-error', 'rate-limit', 'hang', 'malformed-json', 'disconnect'])
      expect(outcomes).toContain(fault)
    expect(results.map((r) => r.state)).toEqual(results.map(() => 'completed'))
    for (let i = 0; i < stack.restaurants.length; i++) await expectMirrorsPoster(i)
    const { rows } = await stack.owner.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM control.restaurants GROUP BY status',
    )
    expect(rows).toEqual([{ status: 'ok', n: 20 }])
  }, 300_000)

  it('retries a sync that dies halfway; the retry leaves no duplicate and loses nothing', async () => {
    // More failures than the client's own retries: the first job attempt dies after fetching half the data.
    stack.fake.failNext('server-error', { times: 7, method: 'menu.getProducts' })
    const { id } = await stack.runtime.jobs.enqueueSync({ restaurantId: 'r3', reason: 'manual' })
    const job = await stack.waitForJob(id, 120_000)
    expect(job.state).toBe('completed')
    expect((await stack.runtime.jobs.get(id))?.attempts).toBe(2)
    const kinds = (await stack.runtime.control.syncEvents.recent('r3', 10))
      .filter((e) => e.jobId === id)
      .map((e) => e.kind)
    expect(kinds.reverse()).toEqual(['started', 'failed', 'retrying', 'done'])
    await expectMirrorsPoster(3)
  }, 180_000)
})
