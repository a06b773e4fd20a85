import { gunzipSync } from 'node:zlib'
import { webhookSignature } from '@rc/poster-client/webhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../src/http/app'
import { createRuntime } from '../src/runtime'
import { bearer, ops, type Stack, startStack, user } from './stack'

// r0: the restaurant most tests act on; r1: another tenant; r2: rate-limit tests (free plan).
let stack: Stack
const tokens: Record<string, string> = {}

beforeAll(async () => {
  stack = await startStack({
    label: 'api',
    restaurants: 3,
    tiers: ['enterprise', 'enterprise', 'free'],
    users: [
      user('admin@r0.test', { r0: 'admin', r2: 'admin' }),
      user('manager@r0.test', { r0: 'manager' }),
      user('viewer@r0.test', { r0: 'viewer' }),
      user('admin@r1.test', { r1: 'admin' }),
      user('platform@ops.test', {}, true),
    ],
    // The plan tests below spend a restaurant's whole bucket as one user (the per-user share is in access.pg-redis).
    env: { USER_SHARE: '1' },
  })
  for (const email of [
    'admin@r0.test',
    'manager@r0.test',
    'viewer@r0.test',
    'admin@r1.test',
    'platform@ops.test',
  ]) {
    tokens[email] = await stack.login(email)
  }
  // Synced data first: orders and checklist items point at Poster's suppliers and ingredients.
  for (const restaurantId of ['r0', 'r1']) {
    const { id } = await stack.runtime.jobs.enqueueSync({ restaurantId, reason: 'manual' })
    expect((await stack.waitForJob(id)).state).toBe('completed')
  }
}, 120_000)

afterAll(async () => {
  await stack?.close()
})

const as = (email: string) => bearer(tokens[email] as string)

async function call(
  method: string,
  url: string,
  email?: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  return stack.app.inject({
    method: method as 'GET',
    url,
    headers: { ...(email ? as(email) : {}), ...headers },
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
}

describe('auth', () => {
  // Each route with the least role it needs, then who gets what.
  const routes: Array<[string, string, unknown, 'viewer' | 'manager' | 'admin']> = [
    ['GET', '/api/restaurants/r0/', undefined, 'viewer'],
    ['GET', '/api/restaurants/r0', undefined, 'viewer'],
    ['GET', '/api/restaurants/r0/suppliers', undefined, 'viewer'],
    ['GET', '/api/restaurants/r0/ingredients', undefined, 'viewer'],
    ['GET', '/api/restaurants/r0/orders', undefined, 'viewer'],
    ['GET', '/api/restaurants/r0/checklist', undefined, 'viewer'],
    ['GET', '/api/restaurants/r0/analytics', undefined, 'viewer'],
    ['POST', '/api/restaurants/r0/sections', { name: 'matrix' }, 'manager'],
    ['POST', '/api/restaurants/r0/sync', undefined, 'admin'],
  ]
  const rank = { viewer: 1, manager: 2, admin: 3 }
  const members: Array<[string, number]> = [
    ['viewer@r0.test', 1],
    ['manager@r0.test', 2],
    ['admin@r0.test', 3],
  ]

  it('answers 401 without a session and with a forged or expired one', async () => {
    for (const [method, url, payload] of routes) {
      expect((await call(method, url, undefined, payload)).statusCode, `${method} ${url}`).toBe(401)
      const forged = await call(method, url, undefined, payload, {
        authorization: `Bearer ${'A'.repeat(43)}`,
      })
      expect(forged.statusCode).toBe(401)
      expect(forged.json().code).toBe('UNAUTHENTICATED')
    }
    expect((await call('GET', '/api/me')).statusCode).toBe(401)
    expect((await call('GET', '/api/admin/restaurants')).statusCode).toBe(401)
  })

  it('gives each role exactly its routes: 403 below the role, 403 for other restaurants', async () => {
    let sectionNo = 0
    for (const [method, url, payload, needs] of routes) {
      for (const [email, level] of members) {
        const body = payload && typeof payload === 'object' ? { name: `matrix ${sectionNo++}` } : payload
        const response = await call(method, url, email, body)
        const allowed = level >= rank[needs]
        if (allowed) expect(response.statusCode, `${email} ${method} ${url}`).toBeLessThan(300)
        else expect(response.statusCode, `${email} ${method} ${url}`).toBe(403)
      }
      // An admin of another restaurant, and a platform admin without membership, see nothing of r0.
      expect((await call(method, url, 'admin@r1.test', payload)).statusCode).toBe(403)
      expect((await call(method, url, 'platform@ops.test', payload)).statusCode).toBe(403)
      // A restaurant that does not exist looks the same as one you may not see.
      expect(
        (await call(method, url.replace(/\/r0(\/|$)/, '/nope$1'), 'admin@r0.test', payload)).statusCode,
      ).toBe(403)
    }
  })

  it('never lets a cookie choose the tenant: only the URL, checked against memberships', async () => {
    const response = await call('GET', '/api/restaurants/r0/suppliers', undefined, undefined, {
      cookie: `rc_session=${tokens['admin@r1.test']}; restaurant_id=r0; tenant=r0`,
      'x-restaurant-id': 'r0',
    })
    expect(response.statusCode).toBe(403)
    const own = await call('GET', '/api/restaurants/r1/suppliers', undefined, undefined, {
      cookie: `rc_session=${tokens['admin@r1.test']}`,
    })
    expect(own.statusCode).toBe(200)
  })

  it('admin area: platform admins only', async () => {
    expect((await call('GET', '/api/admin/restaurants', 'admin@r0.test')).statusCode).toBe(403)
    const list = await call('GET', '/api/admin/restaurants', 'platform@ops.test')
    expect(list.statusCode).toBe(200)
    expect(list.json().items.map((r: { id: string }) => r.id)).toEqual(['r0', 'r1', 'r2'])
    const page = await call('GET', '/admin', undefined)
    expect(page.statusCode).toBe(303)
    expect(page.headers.location).toBe('/login?next=%2Fadmin')
  })

  it('rejects wrong passwords with one answer for unknown emails and wrong passwords', async () => {
    const wrong = await call('POST', '/api/auth/login', undefined, {
      email: 'admin@r0.test',
      password: 'nope',
    })
    const unknown = await call('POST', '/api/auth/login', undefined, {
      email: 'ghost@r0.test',
      password: 'nope',
    })
    expect(wrong.statusCode).toBe(401)
    expect(unknown.statusCode).toBe(401)
    expect(wrong.json()).toEqual(unknown.json())
    const bad = await call('POST', '/api/auth/login', undefined, { email: 'not-an-email', password: '' })
    expect(bad.statusCode).toBe(400)
    expect(
      bad
        .json()
        .fields.map((f: { path: string }) => f.path)
        .sort(),
    ).toEqual(['body.email', 'body.password'])
  })

  it('throttles password guessing per email: the 11th attempt in 15 minutes is 429', async () => {
    const attempt = () =>
      call('POST', '/api/auth/login', undefined, { email: 'target@r0.test', password: 'guess' })
    for (let i = 0; i < 10; i++) expect((await attempt()).statusCode).toBe(401)
    const blocked = await attempt()
    expect(blocked.statusCode).toBe(429)
    expect(blocked.json().code).toBe('LOGIN_THROTTLED')
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0)
    // Another email is not affected.
    expect(
      (await call('POST', '/api/auth/login', undefined, { email: 'other@r0.test', password: 'guess' }))
        .statusCode,
    ).toBe(401)
  })

  it('keeps sessions across an app restart and between instances; logout ends them everywhere', async () => {
    const token = await stack.login('viewer@r0.test')
    const second = await createRuntime(stack.runtime.config)
    const other = await buildApp(second)
    try {
      const me = await other.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })
      expect(me.statusCode).toBe(200)
      expect(me.json().memberships).toEqual({ r0: 'viewer' })
      const logout = await other.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) })
      expect(logout.statusCode).toBe(204)
      // Sessions are read from Redis on every request (no near cache): gone on the first instance at once.
      const after = await stack.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })
      expect(after.statusCode).toBe(401)
    } finally {
      await other.close()
      await second.close()
    }
  })

  it('logs in through the form with a cookie', async () => {
    const response = await stack.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=platform%40ops.test&password=correct+horse+battery+staple&next=%2Fadmin',
    })
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe('/admin')
    const cookie = response.cookies.find((c) => c.name === 'rc_session')
    expect(cookie?.httpOnly).toBe(true)
    const page = await call('GET', '/admin', undefined, undefined, { cookie: `rc_session=${cookie?.value}` })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<script src="/admin/app.js"')
    expect((await call('GET', '/admin/app.js')).body).toContain('Force Sync')
  })
})

describe('tenant data', () => {
  it('validates bodies with a 400 naming each field', async () => {
    const empty = await call('POST', '/api/restaurants/r0/sections', 'manager@r0.test', {})
    expect(empty.statusCode).toBe(400)
    expect(empty.json()).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: 'body.name' }] })

    const order = await call('POST', '/api/restaurants/r0/orders', 'manager@r0.test', {
      supplierId: -1,
      lines: [{ ingredientId: 1, quantity: 0 }],
    })
    expect(order.statusCode).toBe(400)
    const paths = order.json().fields.map((f: { path: string }) => f.path)
    expect(paths).toContain('body.supplierId')
    expect(paths).toContain('body.lines.0.quantity')

    const badId = await call('GET', '/api/restaurants/r0/orders/abc', 'viewer@r0.test')
    expect(badId.statusCode).toBe(400)
    expect(badId.json().fields[0].path).toBe('params.id')
  })

  it('creates, lists and moves supplier orders; refuses invalid moves and foreign references', async () => {
    const { rows: suppliers } = await stack.runtime.db.tenant.query<{ poster_id: number }>(
      'r0',
      'SELECT poster_id FROM suppliers WHERE NOT deleted ORDER BY poster_id LIMIT 1',
    )
    const { rows: ingredients } = await stack.runtime.db.tenant.query<{ poster_id: number }>(
      'r0',
      'SELECT poster_id FROM ingredients WHERE NOT deleted ORDER BY poster_id LIMIT 2',
    )
    const supplierId = suppliers[0]?.poster_id as number
    const lines = ingredients.map((i, n) => ({ ingredientId: i.poster_id, quantity: n + 1.5 }))
    const created = await call('POST', '/api/restaurants/r0/orders', 'manager@r0.test', {
      supplierId,
      lines,
      note: 'Monday',
    })
    expect(created.statusCode).toBe(201)
    const order = created.json()
    expect(order).toMatchObject({ supplierId, status: 'draft', note: 'Monday' })
    expect(order.lines).toHaveLength(2)

    const list = await call('GET', '/api/restaurants/r0/orders?status=draft', 'viewer@r0.test')
    expect(list.json().items.map((o: { id: number }) => o.id)).toContain(order.id)

    const sent = await call('PATCH', `/api/restaurants/r0/orders/${order.id}`, 'manager@r0.test', {
      status: 'sent',
    })
    expect(sent.statusCode).toBe(200)
    expect(sent.json().status).toBe('sent')
    const back = await call('PATCH', `/api/restaurants/r0/orders/${order.id}`, 'manager@r0.test', {
      status: 'draft',
    })
    expect(back.statusCode).toBe(409)
    expect(back.json().code).toBe('INVALID_TRANSITION')

    // Row level security: r1's admin cannot read or move r0's order, even knowing its id.
    expect((await call('GET', `/api/restaurants/r1/orders/${order.id}`, 'admin@r1.test')).statusCode).toBe(
      404,
    )
    expect(
      (
        await call('PATCH', `/api/restaurants/r1/orders/${order.id}`, 'admin@r1.test', {
          status: 'cancelled',
        })
      ).statusCode,
    ).toBe(404)

    const unknown = await call('POST', '/api/restaurants/r0/orders', 'manager@r0.test', {
      supplierId: 99_999,
      lines,
    })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().code).toBe('UNKNOWN_REFERENCE')
  })

  it('keeps a checklist with par levels and suggests what to order', async () => {
    const section = await call('POST', '/api/restaurants/r0/sections', 'manager@r0.test', {
      name: 'Bar',
      position: 1,
    })
    expect(section.statusCode).toBe(201)
    const duplicate = await call('POST', '/api/restaurants/r0/sections', 'manager@r0.test', { name: 'Bar' })
    expect(duplicate.statusCode).toBe(409)
    const { rows } = await stack.runtime.db.tenant.query<{ poster_id: number; left: number }>(
      'r0',
      `SELECT i.poster_id, sum(s.quantity)::float8 AS left FROM ingredients i JOIN stock_levels s
         ON s.restaurant_id = i.restaurant_id AND s.ingredient_poster_id = i.poster_id GROUP BY i.poster_id ORDER BY i.poster_id LIMIT 1`,
    )
    const ingredient = rows[0] as { poster_id: number; left: number }
    const par = Math.max(0, ingredient.left) + 5
    const item = await call('POST', '/api/restaurants/r0/checklist/items', 'manager@r0.test', {
      sectionId: section.json().id,
      ingredientId: ingredient.poster_id,
      parLevel: par,
    })
    expect(item.statusCode).toBe(201)
    const checklist = (await call('GET', '/api/restaurants/r0/checklist', 'viewer@r0.test')).json()
    const bar = checklist.sections.find((s: { name: string }) => s.name === 'Bar')
    expect(bar.items).toHaveLength(1)
    expect(bar.items[0].suggestedOrder).toBeCloseTo(par - ingredient.left, 3)

    const patched = await call(
      'PATCH',
      `/api/restaurants/r0/checklist/items/${item.json().id}`,
      'manager@r0.test',
      { parLevel: 0 },
    )
    expect(patched.json()).toMatchObject({ parLevel: 0, sectionId: section.json().id })
    // A section of r0 is invisible to r1 and cannot be used from there.
    const foreign = await call('POST', '/api/restaurants/r1/checklist/items', 'admin@r1.test', {
      sectionId: section.json().id,
      ingredientId: ingredient.poster_id,
      parLevel: 1,
    })
    expect(foreign.statusCode).toBe(400)
    expect(
      (await call('DELETE', `/api/restaurants/r0/sections/${section.json().id}`, 'manager@r0.test'))
        .statusCode,
    ).toBe(204)
  })

  it('never serves stale or another restaurant’s cached data after a write', async () => {
    const before = (await call('GET', '/api/restaurants/r0/analytics', 'admin@r0.test')).json()
    const other = (await call('GET', '/api/restaurants/r1/analytics', 'admin@r1.test')).json()
    const { rows } = await stack.runtime.db.tenant.query<{ poster_id: number }>(
      'r0',
      'SELECT poster_id FROM suppliers WHERE NOT deleted LIMIT 1',
    )
    const { rows: ing } = await stack.runtime.db.tenant.query<{ poster_id: number }>(
      'r0',
      'SELECT poster_id FROM ingredients LIMIT 1',
    )
    await call('POST', '/api/restaurants/r0/orders', 'manager@r0.test', {
      supplierId: rows[0]?.poster_id,
      lines: [{ ingredientId: ing[0]?.poster_id, quantity: 1 }],
    })
    const after = (await call('GET', '/api/restaurants/r0/analytics', 'admin@r0.test')).json()
    expect(after.ordersByStatus.draft ?? 0).toBe((before.ordersByStatus.draft ?? 0) + 1)
    const loadsBefore = stack.runtime.cache.stats().loads
    const otherAfter = (await call('GET', '/api/restaurants/r1/analytics', 'admin@r1.test')).json()
    expect(otherAfter).toEqual(other) // r1 untouched, and still served from its own cache:
    expect(stack.runtime.cache.stats().loads).toBe(loadsBefore) // r0's invalidation spared r1's tags
    expect(stack.runtime.cache.stats().hits).toBeGreaterThan(0)
  })
})

describe('sync', () => {
  it('answers 202 with a job whose progress is readable, and puts Poster’s data in place', async () => {
    const started = await call('POST', '/api/restaurants/r1/sync', 'admin@r1.test')
    expect(started.statusCode).toBe(202)
    const { jobId } = started.json()
    const job = await stack.waitForJob(jobId)
    expect(job.state).toBe('completed')
    const view = await call('GET', `/api/restaurants/r1/jobs/${jobId}`, 'admin@r1.test')
    expect(view.json()).toMatchObject({ state: 'completed', progress: 100, restaurantId: 'r1' })
    // Another restaurant's job is invisible.
    expect((await call('GET', `/api/restaurants/r0/jobs/${jobId}`, 'admin@r0.test')).statusCode).toBe(404)

    const fakeData = stack.fake.accounts[1]?.data
    const suppliers = (
      await call('GET', '/api/restaurants/r1/suppliers?includeDeleted=true', 'admin@r1.test')
    ).json().items
    expect(suppliers.map((s: { id: number }) => s.id).sort((a: number, b: number) => a - b)).toEqual(
      fakeData?.suppliers.map((s) => Number(s.supplier_id)).sort((a, b) => a - b),
    )
  })

  it('is idempotent: a second sync leaves the same rows', async () => {
    const countRows = async () => {
      const { rows } = await stack.owner.query<{ t: string; n: number }>(
        `SELECT 'suppliers' AS t, count(*)::int AS n FROM suppliers WHERE restaurant_id = 'r1'
         UNION ALL SELECT 'ingredients', count(*)::int FROM ingredients WHERE restaurant_id = 'r1'
         UNION ALL SELECT 'products', count(*)::int FROM products WHERE restaurant_id = 'r1'
         UNION ALL SELECT 'stock', count(*)::int FROM stock_levels WHERE restaurant_id = 'r1'`,
      )
      return rows
    }
    const before = await countRows()
    const { jobId } = (await call('POST', '/api/restaurants/r1/sync', 'admin@r1.test')).json()
    expect((await stack.waitForJob(jobId)).state).toBe('completed')
    expect(await countRows()).toEqual(before)
    expect(before.every((r) => r.n > 0)).toBe(true)
  })

  it('deduplicates a second request while a sync is pending', async () => {
    const first = (await call('POST', '/api/restaurants/r0/sync', 'admin@r0.test')).json()
    const second = (await call('POST', '/api/restaurants/r0/sync', 'admin@r0.test')).json()
    expect(second).toEqual({ jobId: first.jobId, deduplicated: true })
    await stack.waitForJob(first.jobId)
  })
})

describe('money and supplies, as Poster keeps them', () => {
  it('values stock in currency units from prime costs Poster sends in kopecks; its products are not ingredient stock', async () => {
    const { data } = stack.fake.accounts[0]!
    let value = 0
    for (const items of data.leftovers.values()) {
      for (const [id, quantity] of items) {
        if (data.stockItems.get(id)?.kind === 1 && quantity > 0)
          value += (quantity * data.primeCosts.get(id)!) / 100
      }
    }
    const analytics = (await call('GET', '/api/restaurants/r0/analytics', 'viewer@r0.test')).json()
    expect(value).toBeGreaterThan(0)
    expect(analytics.stockValue).toBeCloseTo(value, 2)
    const stock = (await call('GET', '/api/restaurants/r0/stock', 'viewer@r0.test')).json().items as Array<{
      ingredientId: number
      primeCost: number | null
    }>
    expect(stock.length).toBeGreaterThan(0)
    // Poster lists its goods' stock beside the ingredients'; only ingredients are stock here.
    expect(stock.every((r) => data.stockItems.get(r.ingredientId)?.kind === 1)).toBe(true)
    const products = [...data.stockItems.values()].filter((i) => i.kind === 2)
    expect(products.length).toBeGreaterThan(0)
    for (const row of stock) expect(row.primeCost).toBe(data.primeCosts.get(row.ingredientId)! / 100)
  })

  it('shows the recent supplies, walked over date ranges from Poster: newest first, sums in currency units', async () => {
    const { data } = stack.fake.accounts[0]!
    const since = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10)
    const expected = data.supplies.filter((r) => String(r.date) >= since)
    expect(expected.length).toBeGreaterThan(0)
    const answer = await call('GET', '/api/restaurants/r0/supplies?days=30', 'viewer@r0.test')
    expect(answer.statusCode).toBe(200)
    expect(answer.json().items).toEqual(
      expected.map((r) => ({
        id: Number(r.supply_id),
        date: r.date,
        storageId: Number(r.storage_id),
        storageName: r.storage_name,
        supplierId: Number(r.supplier_id),
        supplierName: r.supplier_name,
        sum: Number(r.supply_sum) / 100,
        comment: r.supply_comment,
        deleted: r.delete === '1',
        orderId: null,
      })),
    )
    const older = data.supplies.filter((r) => String(r.date) < since)
    expect(older.length).toBeGreaterThan(0) // and those stay out
    expect(
      (await call('GET', '/api/restaurants/r0/supplies?days=90&limit=2', 'viewer@r0.test')).json().items,
    ).toHaveLength(2)
  })
})

describe('webhooks', () => {
  let url: string
  beforeAll(async () => {
    const address = await stack.app.listen({ port: 0, host: '127.0.0.1' })
    url = `${address}/webhooks/poster`
  })

  it('accepts a signed webhook and runs a targeted sync', async () => {
    const sent = await stack.fake.sendWebhook(url, {
      account: 'acct-r0',
      object: 'stock',
      object_id: 5,
      action: 'changed',
      data: { type: 1, element_id: 5, storage_id: 1, value_relative: -1, value_absolute: 4 },
    })
    expect(sent.status).toBe(200)
    const { jobId } = JSON.parse(sent.body)
    expect(jobId).toBeTypeOf('string')
    expect((await stack.waitForJob(jobId)).state).toBe('completed')
    // Poster retries: the same delivery again is acknowledged and ignored.
    const again = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sent.payload),
    })
    expect(await again.json()).toEqual({ status: 'accept', outcome: 'duplicate' })
  })

  it('deactivates a restaurant when the app is uninstalled; its webhooks then start no sync', async () => {
    const removed = await stack.fake.sendWebhook(url, {
      account: 'acct-r1',
      object: 'application',
      object_id: 1,
      action: 'removed',
    })
    expect(JSON.parse(removed.body)).toEqual({ status: 'accept', outcome: 'handled', reason: 'deactivated' })
    expect(await stack.runtime.control.restaurants.get('r1')).toMatchObject({
      active: false,
      status: 'inactive',
    })
    const ignored = await stack.fake.sendWebhook(url, {
      account: 'acct-r1',
      object: 'stock',
      object_id: 9,
      action: 'changed',
    })
    expect(JSON.parse(ignored.body)).toEqual({ status: 'accept', outcome: 'ignored', reason: 'inactive' })
    // Reinstalling sends a new token: the restaurant is back, with the token encrypted, and syncs.
    const before = (await stack.runtime.control.restaurants.get('r1'))?.tokenCiphertext
    const token = stack.fake.accounts[1]?.token as string
    const added = await stack.fake.sendWebhook(url, {
      account: 'acct-r1',
      object: 'application',
      object_id: 1,
      action: 'added',
      data: { access_token: token },
    })
    const answer = JSON.parse(added.body)
    expect(answer).toMatchObject({ status: 'accept', outcome: 'handled', reason: 'reactivated' })
    const after = await stack.runtime.control.restaurants.get('r1')
    expect(after).toMatchObject({ active: true })
    expect(after?.tokenCiphertext).not.toBe(before)
    expect(stack.runtime.cipher.decrypt(after?.tokenCiphertext as string)).toBe(token)
    expect((await stack.waitForJob(answer.jobId)).state).toBe('completed')
  })

  it('rejects forged and malformed webhooks; acknowledges a signed one for an account it does not know', async () => {
    const forged = await stack.fake.sendWebhook(
      url,
      { account: 'acct-r0', object: 'stock', object_id: 6, action: 'changed' },
      'wrong-secret',
    )
    expect(forged.status).toBe(401)
    const tampered = await stack.fake.sendWebhook(url, {
      account: 'acct-r0',
      object: 'product',
      object_id: 7,
      action: 'changed',
    })
    expect(tampered.status).toBe(200)
    const payload = { ...tampered.payload, object_id: '8' } // same signature, different object
    const changed = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    })
    expect(changed.status).toBe(401)
    const malformed = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"account":"acct-r0"}',
    })
    expect(malformed.status).toBe(400)
    const fields = {
      account: 'not-ours',
      object: 'stock',
      object_id: '1',
      action: 'changed',
      time: String(Math.floor(Date.now() / 1000)),
    }
    const signed = { ...fields, verify: webhookSignature(fields, stack.fake.application.secret) }
    const unknown = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(signed),
    })
    // Poster would retry a 404 for two days and hold the account's later hooks back: a 200 it is.
    expect(unknown.status).toBe(200)
    expect(await unknown.json()).toEqual({ status: 'accept', outcome: 'ignored', reason: 'unknown-account' })
  })
})

describe('plans and rate limits', () => {
  it('answers 429 with headers and the upgrade body past the free plan, and applies an upgrade at once', async () => {
    let last = await call('GET', '/api/restaurants/r2/suppliers', 'admin@r0.test')
    expect(last.headers['x-ratelimit-tier']).toBe('free')
    expect(last.headers['ratelimit-policy']).toBe('"api";q=20;w=60')
    for (let i = 1; i < 20; i++) last = await call('GET', '/api/restaurants/r2/suppliers', 'admin@r0.test')
    expect(last.statusCode).toBe(200)
    expect(last.headers['x-ratelimit-remaining']).toBe('0')
    const denied = await call('GET', '/api/restaurants/r2/suppliers', 'admin@r0.test')
    expect(denied.statusCode).toBe(429)
    expect(Number(denied.headers['retry-after'])).toBeGreaterThan(0)
    expect(denied.headers['x-ratelimit-limit']).toBe('20')
    expect(denied.headers['x-ratelimit-window']).toBe('1m')
    expect(denied.headers.ratelimit).toMatch(/^"api";r=0;t=\d+$/)
    expect(denied.json()).toMatchObject({
      code: 'RATE_LIMIT_EXCEEDED',
      tier: 'free',
      limits: { current: { limit: 20 }, next: { tier: 'pro', limit: 100 } },
      upgradeUrl: '/billing/upgrade',
    })

    const upgrade = await call('PUT', '/api/admin/restaurants/r2/tier', 'platform@ops.test', { tier: 'pro' })
    expect(upgrade.statusCode).toBe(200)
    const after = await call('GET', '/api/restaurants/r2/suppliers', 'admin@r0.test')
    expect(after.statusCode).toBe(200)
    expect(after.headers['x-ratelimit-tier']).toBe('pro')
    expect(after.headers['x-ratelimit-remaining']).toBe('79') // the 20 already used carry over
    const unknownTier = await call('PUT', '/api/admin/restaurants/r2/tier', 'platform@ops.test', {
      tier: 'gold',
    })
    expect(unknownTier.statusCode).toBe(400)
  })

  it('charges analytics to the analysis bucket', async () => {
    const response = await call('GET', '/api/restaurants/r2/analytics', 'admin@r0.test')
    expect(response.headers['ratelimit-policy']).toBe('"analysis";q=100;w=3600')
  })
})

describe('operations', () => {
  it('stores Poster tokens encrypted', async () => {
    const { rows } = await stack.owner.query<{ id: string; token_ciphertext: string }>(
      'SELECT id, token_ciphertext FROM control.restaurants ORDER BY id',
    )
    rows.forEach((row, i) => {
      const token = stack.fake.accounts[i]?.token as string
      expect(row.token_ciphertext).toMatch(/^v1\.test\./)
      expect(row.token_ciphertext).not.toContain(token)
      expect(stack.runtime.cipher.decrypt(row.token_ciphertext)).toBe(token)
    })
  })

  it('connects as the non-owner app role', async () => {
    const { rows } = await stack.runtime.db.pool.query<{ user: string }>('SELECT current_user AS user')
    expect(rows[0]?.user).toBe('rc_app')
  })

  it('serves health, readiness, liveness and detailed checks', async () => {
    expect((await call('GET', '/health')).json()).toEqual({ status: 'ok' })
    expect((await call('GET', '/live')).statusCode).toBe(200)
    expect((await call('GET', '/ready')).json()).toMatchObject({ status: 'ready', db: true, queue: true })
    const detailed = (await call('GET', '/health/detailed', undefined, undefined, ops)).json()
    expect(detailed).toMatchObject({
      status: 'ok',
      db: { ok: true, kind: 'postgres' },
      redis: { ok: true },
      queue: { ok: true },
    })
    expect(detailed.queue.detail.kind).toBe('bullmq')
  })

  it('exports Prometheus metrics for HTTP, cache, rate limits, Poster calls and jobs', async () => {
    const text = (await call('GET', '/metrics', undefined, undefined, ops)).body
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{.*route="\/api\/restaurants\/:restaurantId\/suppliers"/,
    )
    expect(text).toMatch(/cache_events_total\{event="hit"\} [1-9]/)
    expect(text).toMatch(/rate_limit_denials_total\{tier="free",bucket="api"\} [1-9]/)
    expect(text).toMatch(/poster_api_calls_total\{method="storage.getSuppliers",status="200"\} [1-9]/)
    expect(text).toMatch(/sync_jobs_total\{name="sync",outcome="completed"\} [1-9]/)
    expect(text).toMatch(/sync_queue_jobs\{state="completed"\}/)
  })

  it('reports the cache state, documents the API and compresses large answers', async () => {
    expect((await call('GET', '/api/cache-status', undefined, undefined, ops)).json()).toMatchObject({
      enabled: true,
      backend: 'redis',
      mode: 'primary',
    })
    const spec = (await call('GET', '/openapi.json', undefined, undefined, ops)).json()
    expect(spec.openapi).toMatch(/^3\./)
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/restaurants/{restaurantId}/orders',
        '/api/auth/login',
        '/webhooks/poster',
      ]),
    )
    const orderBody =
      spec.paths['/api/restaurants/{restaurantId}/orders'].post.requestBody.content['application/json'].schema
    expect(orderBody.required).toEqual(expect.arrayContaining(['supplierId', 'lines']))
    const listing = spec.paths['/api/restaurants/{restaurantId}/orders'].get.responses
    expect(Object.keys(listing)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '429']))
    expect(
      listing['200'].content['application/json'].schema.properties.items.items.properties.status.enum,
    ).toEqual(['draft', 'sent', 'received', 'cancelled'])
    expect((await call('GET', '/docs/', undefined, undefined, ops)).statusCode).toBe(200)

    const gz = await call('GET', '/api/restaurants/r0/products', 'admin@r0.test', undefined, {
      'accept-encoding': 'gzip',
    })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString()).items.length).toBeGreaterThan(0)
  })
})
