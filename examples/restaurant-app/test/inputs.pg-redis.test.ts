import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, type Stack, startStack, user } from './stack'

let stack: Stack
let token: string
let port: number

beforeAll(async () => {
  stack = await startStack({
    label: 'inputs',
    restaurants: 1,
    tiers: ['enterprise'],
    users: [user('admin@r0.test', { r0: 'admin' })],
  })
  token = await stack.login('admin@r0.test')
  const { id } = await stack.runtime.jobs.enqueueSync({ restaurantId: 'r0', reason: 'manual' })
  expect((await stack.waitForJob(id)).state).toBe('completed')
  port = Number(new URL(await stack.app.listen({ port: 0, host: '127.0.0.1' })).port)
}, 60_000)

afterAll(async () => {
  await stack?.close()
})

/** The documented error shape, and nothing else. */
function expectErrorShape(body: unknown) {
  const keys = Object.keys(body as object).sort()
  expect(keys.filter((k) => k !== 'fields')).toEqual(['code', 'error', 'message'])
  const { error, code, message } = body as Record<string, unknown>
  for (const value of [error, code, message]) expect(typeof value).toBe('string')
}

const BIG = '3000000000' // past PostgreSQL's integer (2^31 - 1)
const NUL = 'kitchen\u0000bar'

describe('bad input is a 400 in the documented shape, never a 500', () => {
  const cases: Array<[string, string, unknown?]> = [
    ['GET', `/api/restaurants/r0/stock?storageId=${BIG}`],
    ['GET', '/api/restaurants/r0/stock?storageId=0x2'],
    ['GET', '/api/restaurants/r0/stock?storageId=1e3'],
    ['GET', '/api/restaurants/r0/stock?storageId=2%20'],
    ['GET', '/api/restaurants/r0/suppliers?offset=1e20'],
    ['GET', '/api/restaurants/r0/suppliers?offset=99999999999999999999'],
    ['GET', '/api/restaurants/r0/suppliers?limit=0x10'],
    ['GET', '/api/restaurants/r0/orders/0x2'],
    ['GET', '/api/restaurants/r0/orders/1e3'],
    ['GET', '/api/restaurants/r0/orders/2%20'],
    ['GET', '/api/restaurants/r0/orders/99999999999999999999'],
    ['PATCH', '/api/restaurants/r0/sections/0x2', { name: 'x' }],
    ['DELETE', '/api/restaurants/r0/checklist/items/1e3'],
    ['POST', '/api/restaurants/r0/sections', { name: NUL }],
    ['POST', '/api/restaurants/r0/checklist/items', { sectionId: 1, ingredientId: Number(BIG), parLevel: 1 }],
    ['POST', '/api/restaurants/r0/checklist/items', { sectionId: 1e16, ingredientId: 1, parLevel: 1 }],
    [
      'POST',
      '/api/restaurants/r0/checklist/items',
      { sectionId: 1, ingredientId: 1, supplierId: Number(BIG), parLevel: 1 },
    ],
    [
      'POST',
      '/api/restaurants/r0/orders',
      { supplierId: Number(BIG), lines: [{ ingredientId: 1, quantity: 1 }] },
    ],
    [
      'POST',
      '/api/restaurants/r0/orders',
      { supplierId: 1, lines: [{ ingredientId: Number(BIG), quantity: 1 }] },
    ],
    [
      'POST',
      '/api/restaurants/r0/orders',
      { supplierId: 1, note: NUL, lines: [{ ingredientId: 1, quantity: 1 }] },
    ],
    ['PUT', '/api/admin/restaurants/r0/tier', { tier: NUL }],
    ['GET', '/api/restaurants/r0/jobs/a%00b'],
    ['POST', '/api/auth/login', { email: 'a\u0000@r0.test', password: 'x' }],
  ]

  it.each(cases)('%s %s', async (method, url, payload) => {
    const response = await stack.app.inject({
      method: method as 'GET',
      url,
      headers: bearer(token),
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
    // Refused at the schema (not a 404 for an id read loosely, nor a 500 from the database).
    expect(response.statusCode, response.body).toBe(400)
    expect(response.json().code).toBe('VALIDATION_FAILED')
    expectErrorShape(response.json())
  })

  it('names the field at fault', async () => {
    const response = await stack.app.inject({
      method: 'GET',
      url: `/api/restaurants/r0/stock?storageId=${BIG}`,
      headers: bearer(token),
    })
    expect(response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ path: 'querystring.storageId' }],
    })
  })

  it('still takes ids written plainly', async () => {
    const stock = await stack.app.inject({
      method: 'GET',
      url: '/api/restaurants/r0/stock?storageId=1',
      headers: bearer(token),
    })
    expect(stock.statusCode).toBe(200)
    const missing = await stack.app.inject({
      method: 'GET',
      url: '/api/restaurants/r0/orders/2147483647',
      headers: bearer(token),
    })
    expect(missing.statusCode).toBe(404)
  })
})

/** Raw HTTP: some of Fastify's errors happen before any route or hook. */
function rawRequest(head: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => {
      data += chunk
    })
    socket.on('error', () => {}) // the server may reset after answering
    socket.on('close', () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(data)
      if (!match) return reject(new Error(`no HTTP answer: ${JSON.stringify(data.slice(0, 200))}`))
      resolve({ status: Number(match[1]), body: data.slice(data.indexOf('\r\n\r\n') + 4) })
    })
    socket.write(head)
  })
}

describe("Fastify's own errors in the same shape", () => {
  it('a malformed URL (FST_ERR_BAD_URL) is a 400', async () => {
    const response = await stack.app.inject({ method: 'GET', url: '/api/restaurants/%zz/' })
    expect(response.statusCode).toBe(400)
    expectErrorShape(response.json())
  })

  it('a path parameter past the length limit is a 414', async () => {
    const response = await stack.app.inject({ method: 'GET', url: `/api/restaurants/${'a'.repeat(500)}/` })
    expect(response.statusCode).toBe(414)
    expectErrorShape(response.json())
    expect(response.json().error).toBe('URI Too Long')
  })

  it('headers past the size limit are a 431', async () => {
    const answer = await rawRequest(
      `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
    )
    expect(answer.status).toBe(431)
    expectErrorShape(JSON.parse(answer.body))
  })

  it('a request the parser cannot read is a 400', async () => {
    const answer = await rawRequest('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: x\r\n\r\n')
    expect(answer.status).toBe(400)
    expectErrorShape(JSON.parse(answer.body))
  })

  it('an unsupported body type is a 415', async () => {
    const response = await stack.app.inject({
      method: 'POST',
      url: '/api/restaurants/r0/sections',
      headers: { ...bearer(token), 'content-type': 'application/xml' },
      payload: '<x/>',
    })
    expect(response.statusCode).toBe(415)
    expectErrorShape(response.json())
  })
})
