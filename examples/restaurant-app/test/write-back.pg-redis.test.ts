// Received orders reach Poster as supplies exactly once, through worker processes that get killed
// mid-way and a Poster that accepts a supply but loses its answer.
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, type Stack, startStack, user } from './stack'

const LEASE = '3s'
const LEASE_MS = 3_000
let stack: Stack
let token: string
const workers = new Set<ChildProcess>()
const received: Array<{ orderId: number; marker: string; lines: ExpectedLine[] }> = []

interface ExpectedLine {
  id: number
  type: number
  num: number
  sum: number
}

const context = (id: string) => ({ id, attempt: 1, progress: async () => {} })

beforeAll(async () => {
  stack = await startStack({
    label: 'writeback',
    restaurants: 1,
    tiers: ['enterprise'],
    users: [user('manager@wb.test', { r0: 'manager' })],
    // Jobs run only in the worker processes this test starts and kills.
    env: { WORKER: 'off', POSTER_TIMEOUT: '1s', SUPPLY_LEASE: LEASE, SYNC_INTERVAL: '1h' },
  })
  token = await stack.login('manager@wb.test')
  await stack.runtime.handlers.sync({ restaurantId: 'r0', reason: 'manual' }, context('first-sync'))
}, 60_000)

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL')
  await stack?.close()
})

function startWorker(): ChildProcess {
  const c = stack.runtime.config
  const worker = spawn(process.execPath, ['--conditions=@rc/source', '--import', 'tsx', 'src/worker.ts'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: {
      ...process.env,
      DATABASE_URL: c.databaseUrl as string,
      REDIS_URL: c.redisUrl as string,
      TOKEN_KEYS: Object.entries(c.tokenKeys.keys)
        .map(([id, key]) => `${id}:${key}`)
        .join(','),
      POSTER_APP_SECRET: c.posterAppSecret,
      KEY_PREFIX: c.keyPrefix,
      LOG_LEVEL: 'warn',
      POSTER_PER_SECOND: '50',
      POSTER_TIMEOUT: '1s',
      SUPPLY_LEASE: LEASE,
      SYNC_INTERVAL: '1h',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  workers.add(worker)
  worker.once('exit', () => workers.delete(worker))
  return worker
}

function kill(worker: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    worker.once('exit', () => resolve())
    worker.kill('SIGKILL')
  })
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function api(method: string, url: string, payload?: object) {
  const response = await stack.app.inject({
    method: method as 'GET',
    url: `/api/restaurants/r0${url}`,
    headers: bearer(token),
    ...(payload ? { payload } : {}),
  })
  return { status: response.statusCode, body: response.json() }
}

const data = () => stack.fake.accounts[0]!.data

/** Creates an order of two ingredients, sends it, receives it (one invoice price given), and notes what Poster must get. */
async function receiveOrder(supplier = data().suppliers.find((s) => s.delete === '0')!): Promise<{
  orderId: number
  marker: string
}> {
  const { rows } = await stack.runtime.db.tenant.query<{ id: number; cost: number }>(
    'r0',
    `SELECT ingredient_poster_id AS id, max(prime_cost)::float8 AS cost FROM stock_levels
     WHERE prime_cost > 0 GROUP BY ingredient_poster_id ORDER BY ingredient_poster_id LIMIT 2`,
  )
  const lines = [
    { ingredientId: rows[0]!.id, quantity: 2.5 },
    { ingredientId: rows[1]!.id, quantity: 4 },
  ]
  const created = await api('POST', '/orders', {
    supplierId: Number(supplier.supplier_id),
    lines,
    note: 'Monday',
  })
  expect(created.status).toBe(201)
  const id = created.body.id as number
  expect((await api('PATCH', `/orders/${id}`, { status: 'sent' })).status).toBe(200)
  const answer = await api('PATCH', `/orders/${id}`, {
    status: 'received',
    storageId: 1,
    prices: [{ ingredientId: rows[0]!.id, unitPrice: 12.34 }],
  })
  expect(answer.status).toBe(200)
  expect(answer.body.posterSupply).toMatchObject({ state: expect.any(String), supplyId: null })
  const { rows: outbox } = await stack.owner.query<{ marker: string }>(
    'SELECT marker::text FROM poster_supplies WHERE restaurant_id = $1 AND order_id = $2',
    ['r0', id],
  )
  const marker = outbox[0]!.marker
  // The invoice price where given, else the last synced prime cost (Poster's kopecks / 100).
  const expected = [
    { id: rows[0]!.id, type: 4, num: 2.5, sum: 12.34 },
    { id: rows[1]!.id, type: 4, num: 4, sum: data().primeCosts.get(rows[1]!.id)! / 100 },
  ]
  expect(rows[1]!.cost).toBe(expected[1]!.sum)
  received.push({ orderId: id, marker, lines: expected })
  return { orderId: id, marker }
}

const suppliesWith = (marker: string) =>
  data().supplies.filter((s) => String(s.supply_comment).includes(`rc-order:${marker}`))
const postsWith = (marker: string) =>
  stack.fake.requests.filter(
    (r) => r.method === 'storage.createSupply' && JSON.stringify(r.body ?? '').includes(marker),
  )

/** The order's supply state, read from the table (polling the API would spend the plan's limit). */
async function stateOf(orderId: number): Promise<string | undefined> {
  const { rows } = await stack.owner.query<{ state: string }>(
    'SELECT state FROM poster_supplies WHERE restaurant_id = $1 AND order_id = $2',
    ['r0', orderId],
  )
  return rows[0]?.state
}

async function doneOrder(orderId: number) {
  await until(`order ${orderId} in Poster`, async () => (await stateOf(orderId)) === 'done')
  return (await api('GET', `/orders/${orderId}`)).body
}

/** Exactly one supply in Poster with the right lines and sum, and the order showing its id. */
async function expectOneSupply(orderId: number, marker: string) {
  const order = await doneOrder(orderId)
  const supplies = suppliesWith(marker)
  expect(supplies).toHaveLength(1)
  const supply = supplies[0]!
  expect(order.posterSupply.supplyId).toBe(Number(supply.supply_id))
  const lines = received.find((r) => r.orderId === orderId)!.lines
  expect(data().supplyLines.get(Number(supply.supply_id))).toEqual(lines)
  expect(Number(supply.supply_sum)).toBe(lines.reduce((t, l) => t + Math.round(l.num * l.sum * 100), 0))
  expect(supply).toMatchObject({ storage_id: '1', supply_comment: `Monday rc-order:${marker}`, delete: '0' })
}

/** What a scheduled tick does: re-sends every supply whose claim has lapsed. */
const sweep = () => stack.runtime.handlers.syncAll(context(`sweep-${Date.now()}`))

describe('received orders reach Poster exactly once', () => {
  let worker: ChildProcess

  it('a received order becomes one Poster supply with its lines and prices; the order shows its id', async () => {
    worker = startWorker()
    const { orderId, marker } = await receiveOrder()
    await expectOneSupply(orderId, marker)
    const supplies = (await api('GET', '/supplies?days=1')).body.items as Array<{ orderId: number | null }>
    expect(supplies.find((s) => s.orderId === orderId)).toBeDefined()
  }, 60_000)

  it('worker killed before its POST reached Poster: its job, run again, waits out the claim, finds no supply, sends it once', async () => {
    stack.fake.failNext('hang', { method: 'storage.createSupply' })
    const { orderId, marker } = await receiveOrder()
    await until('the POST to hang', () => postsWith(marker).find((r) => r.outcome === 'hang'))
    await kill(worker)
    expect(suppliesWith(marker)).toHaveLength(0)
    // The dead worker's job, run again at once (as BullMQ does with a stalled job, here without its
    // 30 s stall check): it waits for the dead worker's claim to lapse, then reconciles and sends.
    // (Had it not waited, the dead worker's live claim would have made it throw instead.)
    const result = await stack.runtime.handlers.pushSupply({ restaurantId: 'r0', orderId }, context('rerun'))
    expect(result).toMatchObject({ state: 'done' })
    await expectOneSupply(orderId, marker)
    expect(postsWith(marker)).toHaveLength(2) // the one that hung, and the one that made it
    worker = startWorker()
  }, 90_000)

  it('worker killed after Poster made the supply, before it recorded the answer: reconciled, not sent again', async () => {
    stack.fake.failNext('lost-reply', { method: 'storage.createSupply' })
    const { orderId, marker } = await receiveOrder()
    await until('Poster to make the supply', () => suppliesWith(marker).length === 1)
    await kill(worker)
    worker = startWorker()
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 200))
    await sweep()
    await expectOneSupply(orderId, marker)
    expect(postsWith(marker)).toHaveLength(1)
  }, 90_000)

  it('Poster accepts the supply but its answer times out, and the first look for it fails: found on a later look, once', async () => {
    stack.fake.failNext('lost-reply', { method: 'storage.createSupply' })
    // More 5xx than the client's own retries: the first reconciliation read fails as a whole.
    stack.fake.failNext('server-error', { method: 'storage.getSupplies', times: 6 })
    const { orderId, marker } = await receiveOrder()
    await expectOneSupply(orderId, marker)
    expect(postsWith(marker)).toHaveLength(1)
    const { rows } = await stack.owner.query<{ attempts: number }>(
      'SELECT attempts FROM poster_supplies WHERE restaurant_id = $1 AND order_id = $2',
      ['r0', orderId],
    )
    expect(rows[0]!.attempts).toBe(1)
  }, 90_000)

  it('Poster refuses it: the order shows the error and a retry path, which sends it once fixed', async () => {
    const supplier = data().suppliers.find((s) => s.delete === '0')!
    supplier.delete = '1' // deleted in Poster meanwhile: createSupply answers code 32
    const { orderId, marker } = await receiveOrder(supplier)
    await until('the refusal', async () => (await stateOf(orderId)) === 'failed')
    const failed = (await api('GET', `/orders/${orderId}`)).body.posterSupply
    expect(failed).toMatchObject({
      supplyId: null,
      error: expect.stringMatching(/code 32/),
      retry: `/api/restaurants/r0/orders/${orderId}/poster-supply`,
    })
    expect(suppliesWith(marker)).toHaveLength(0)
    supplier.delete = '0'
    const retried = await stack.app.inject({ method: 'POST', url: failed.retry, headers: bearer(token) })
    expect(retried.statusCode).toBe(202)
    await expectOneSupply(orderId, marker)
    const again = await stack.app.inject({ method: 'POST', url: failed.retry, headers: bearer(token) })
    expect(again.statusCode).toBe(409)
  }, 90_000)

  it('none lost, none doubled: every received order is exactly one supply, and late duplicate jobs change nothing', async () => {
    expect(received.length).toBe(5)
    for (const { orderId } of received) {
      // A job left over from a killed worker, run again later: it finds the order done.
      expect(
        await stack.runtime.handlers.pushSupply({ restaurantId: 'r0', orderId }, context(`late-${orderId}`)),
      ).toMatchObject({ state: 'done' })
    }
    for (const { orderId, marker } of received) await expectOneSupply(orderId, marker)
    const ours = data().supplies.filter((s) => String(s.supply_comment).includes('rc-order:'))
    expect(ours).toHaveLength(received.length)
  }, 60_000)
})
