import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createFakePoster } from '../src/testing'
import {
  PosterWebhookError,
  parseWebhook,
  verifyWebhook,
  type WebhookBody,
  webhookSignature,
} from '../src/webhooks'

const SECRET = 'app-secret-1'
const NOW = 1_700_000_100_000
const now = () => NOW

// Vectors written from POSTER.md: md5(account;object;object_id;action[;data];time;secret), hex
// digests from `echo -n '<input>' | md5sum`.
const PLAIN_INPUT = 'cafe;product;123;changed;1700000000;app-secret-1'
const PLAIN_VERIFY = '898af67304eace73749d1e2cfd3c658c'
const STOCK_DATA =
  '{"type":"ingredient","element_id":5,"storage_id":1,"value_relative":-2,"value_absolute":7.5}'
const STOCK_INPUT = `cafe;stock;5;changed;${STOCK_DATA};1700000000;app-secret-1`
const STOCK_VERIFY = 'a1ebdf470a955be869d44fd9cd890f93'

const plain = {
  account: 'cafe',
  account_number: '100001',
  object: 'product',
  object_id: 123,
  action: 'changed',
  time: '1700000000',
  verify: PLAIN_VERIFY,
}
const stock = { ...plain, object: 'stock', object_id: 5, data: STOCK_DATA, verify: STOCK_VERIFY }

function reason(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    if (error instanceof PosterWebhookError) return error.reason
    throw error
  }
  return 'accepted'
}

describe('webhook vectors', () => {
  it('the hand-written inputs hash to the expected digests', () => {
    expect(createHash('md5').update(PLAIN_INPUT).digest('hex')).toBe(PLAIN_VERIFY)
    expect(createHash('md5').update(STOCK_INPUT).digest('hex')).toBe(STOCK_VERIFY)
  })

  it('verify as a parsed object, raw JSON, a Buffer and a form body', () => {
    const form = new URLSearchParams(
      Object.entries(stock).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString()
    for (const body of [
      stock,
      JSON.stringify(stock),
      Buffer.from(JSON.stringify(stock)),
      form,
      new URLSearchParams(form),
    ]) {
      expect(verifyWebhook(body, SECRET, { now })).toBe(true)
    }
    expect(verifyWebhook(plain, SECRET, { now })).toBe(true)
  })

  it('parseWebhook decodes data and types the event, with only the signed fields', () => {
    expect(parseWebhook(JSON.stringify(stock), SECRET, { now })).toEqual({
      id: expect.stringMatching(/^[\w-]{43}$/),
      account: 'cafe',
      object: 'stock',
      object_id: 5,
      action: 'changed',
      known: true,
      time: 1_700_000_000,
      data: { type: 'ingredient', element_id: 5, storage_id: 1, value_relative: -2, value_absolute: 7.5 },
    })
    expect(parseWebhook(plain, SECRET, { now })).not.toHaveProperty('data')
    // account_number is not signed: anyone could change it, so it does not come out (nor anything else unsigned).
    const extra = parseWebhook({ ...plain, access_token: '1:forged', junk: { a: 1 } }, SECRET, { now })
    expect(Object.keys(extra).sort()).toEqual([
      'account',
      'action',
      'id',
      'known',
      'object',
      'object_id',
      'time',
    ])
  })
})

/** Signs `fields` (data included when given) the way Poster does. */
function signed(fields: {
  account: string
  object: string
  object_id: string | number
  action: string
  time: string
  data?: string | null
}) {
  const verify = webhookSignature(
    { ...fields, object_id: String(fields.object_id), data: fields.data ?? undefined },
    SECRET,
  )
  return { ...fields, verify }
}

describe('any object and action parse; data absent, null or a JSON string', () => {
  it('an undocumented action or object is an event too, marked unknown', () => {
    const closed = parseWebhook(
      signed({ account: 'cafe', object: 'transaction', object_id: 9, action: 'closed', time: '1700000000' }),
      SECRET,
      { now },
    )
    expect(closed).toMatchObject({ object: 'transaction', action: 'closed', known: false })
    const novel = parseWebhook(
      signed({ account: 'cafe', object: 'loyalty_card', object_id: 1, action: 'added', time: '1700000000' }),
      SECRET,
      { now },
    )
    expect(novel).toMatchObject({ object: 'loyalty_card', known: false })
    expect(parseWebhook(plain, SECRET, { now }).known).toBe(true)
  })

  it('data: null is no data (PHP isset), in the signature too; a signed non-JSON string is kept as text', () => {
    const base = { account: 'cafe', object: 'product', object_id: 3, action: 'changed', time: '1700000000' }
    const nullData = { ...signed(base), data: null }
    expect(parseWebhook(nullData, SECRET, { now })).not.toHaveProperty('data')
    expect(parseWebhook(JSON.stringify(nullData), SECRET, { now })).not.toHaveProperty('data')
    expect(parseWebhook(signed({ ...base, data: 'not json' }), SECRET, { now }).data).toBe('not json')
    expect(parseWebhook(signed({ ...base, data: '' }), SECRET, { now }).data).toBe('')
  })

  it('the id is the event: key order, junk fields, verify case and content type do not change it', () => {
    const event = signed({
      account: 'cafe',
      object: 'application',
      object_id: 1,
      action: 'removed',
      time: '1700000000',
    })
    const id = parseWebhook(event, SECRET, { now }).id
    const reordered = Object.fromEntries(Object.entries(event).reverse())
    const variants: WebhookBody[] = [
      JSON.stringify(event),
      JSON.stringify(reordered),
      { ...event, junk: 'x', account_number: '999' },
      { ...event, verify: event.verify.toUpperCase() },
      new URLSearchParams(Object.entries(event).map(([k, v]): [string, string] => [k, String(v)])).toString(),
      { ...event, object_id: '1' },
    ]
    for (const body of variants) expect(parseWebhook(body, SECRET, { now }).id).toBe(id)
    const other = signed({
      account: 'cafe',
      object: 'application',
      object_id: 1,
      action: 'removed',
      time: '1700000001',
    })
    expect(parseWebhook(other, SECRET, { now }).id).not.toBe(id)
    const withData = signed({
      account: 'cafe',
      object: 'application',
      object_id: 1,
      action: 'removed',
      time: '1700000000',
      data: '{}',
    })
    expect(parseWebhook(withData, SECRET, { now }).id).not.toBe(id)
  })

  it('refuses a time ahead of the clock beyond maxSkew', () => {
    const at = (seconds: number) =>
      signed({
        account: 'cafe',
        object: 'stock',
        object_id: 1,
        action: 'changed',
        time: String(NOW / 1000 + seconds),
      })
    expect(reason(() => parseWebhook(at(60), SECRET, { now }))).toBe('accepted')
    expect(reason(() => parseWebhook(at(600), SECRET, { now }))).toBe('future')
    expect(reason(() => parseWebhook(at(600), SECRET, { now, maxSkew: '15m' }))).toBe('accepted')
  })

  it('a deeply nested unsigned field does not make it throw anything but its own verdict', () => {
    let deep: unknown = 'bottom'
    for (let i = 0; i < 200_000; i++) deep = [deep]
    expect(parseWebhook({ ...plain, junk: deep }, SECRET, { now }).object_id).toBe(123)
    const text = `{"junk":${'['.repeat(200_000)}${']'.repeat(200_000)},${JSON.stringify(plain).slice(1)}`
    expect(parseWebhook(text, SECRET, { now }).object_id).toBe(123)
  })
})

describe('webhook rejections carry a reason', () => {
  it('one changed byte anywhere in a signed field is a bad signature (property)', () => {
    const raw = JSON.stringify(stock)
    const signed = ['account', 'object', 'data'] as const
    fc.assert(
      fc.property(
        fc.constantFrom(...signed),
        fc.nat(),
        fc.integer({ min: 1, max: 25 }),
        (field, at, delta) => {
          const value = stock[field]
          const i = at % value.length
          const changed =
            value.slice(0, i) +
            String.fromCharCode(((value.charCodeAt(i) - 32 + delta) % 95) + 32) +
            value.slice(i + 1)
          const r = reason(() => parseWebhook({ ...stock, [field]: changed }, SECRET, { now }))
          return r === 'bad-signature' || (field === 'data' && r === 'malformed')
        },
      ),
    )
    const edited = raw.replace('7.5}', '7.6}')
    expect(edited).not.toBe(raw)
    expect(reason(() => parseWebhook(edited, SECRET, { now }))).toBe('bad-signature')
    expect(reason(() => parseWebhook({ ...plain, object_id: 124 }, SECRET, { now }))).toBe('bad-signature')
    expect(reason(() => parseWebhook({ ...plain, action: 'removed' }, SECRET, { now }))).toBe('bad-signature')
    expect(reason(() => parseWebhook({ ...plain, time: '1700000001' }, SECRET, { now }))).toBe(
      'bad-signature',
    )
  })

  it('a wrong secret, a missing field, garbage and an old time', () => {
    expect(reason(() => parseWebhook(stock, 'other-secret', { now }))).toBe('bad-signature')
    expect(verifyWebhook(stock, 'other-secret', { now })).toBe(false)
    const { verify: _, ...unsigned } = plain
    expect(reason(() => parseWebhook(unsigned, SECRET, { now }))).toBe('missing-field')
    const { account: __, ...anonymous } = plain
    expect(reason(() => parseWebhook(anonymous, SECRET, { now }))).toBe('missing-field')
    expect(reason(() => parseWebhook('{"account":', SECRET, { now }))).toBe('malformed')
    expect(reason(() => parseWebhook('hello', SECRET, { now }))).toBe('malformed')
    // An action nobody signed is a bad signature, whatever its name.
    expect(reason(() => parseWebhook({ ...plain, action: 'exploded' }, SECRET, { now }))).toBe(
      'bad-signature',
    )
    expect(reason(() => parseWebhook({ ...plain, verify: 'not-a-signature' }, SECRET, { now }))).toBe(
      'bad-signature',
    )
    expect(reason(() => parseWebhook({ ...stock, data: { already: 'decoded' } }, SECRET, { now }))).toBe(
      'malformed',
    )
    expect(reason(() => parseWebhook(plain, SECRET, { now: () => NOW + 3 * 86_400_000 }))).toBe('stale')
    expect(reason(() => parseWebhook(plain, SECRET, { now, maxAge: '1m' }))).toBe('stale')
    expect(reason(() => parseWebhook(plain, SECRET, { now, maxAge: '5m' }))).toBe('accepted')
    expect(verifyWebhook(plain, SECRET, { now, maxAge: '1m' })).toBe(false)
  })
})

describe('the fake sends webhooks that verify', () => {
  it('round trip over HTTP', async () => {
    const fake = await createFakePoster({ accounts: ['cafe'] })
    const received: string[] = []
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => {
        body += c
      })
      req.on('end', () => {
        received.push(body)
        res.end('ok')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/poster`
      const sent = await fake.sendWebhook(
        url,
        { object: 'stock', object_id: 9, action: 'changed', data: { element_id: 9 } },
        SECRET,
      )
      expect(sent.status).toBe(200)
      const event = parseWebhook(received[0]!, SECRET)
      expect(event).toMatchObject({ account: 'cafe', object: 'stock', object_id: 9, data: { element_id: 9 } })
      expect(verifyWebhook(received[0]!, fake.application.secret)).toBe(false)
    } finally {
      server.close()
      await fake.close()
    }
  })
})
