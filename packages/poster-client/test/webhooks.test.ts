import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createFakePoster } from '../src/testing'
import { PosterWebhookError, parseWebhook, verifyWebhook } from '../src/webhooks'

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

  it('parseWebhook decodes data and types the event', () => {
    expect(parseWebhook(JSON.stringify(stock), SECRET, { now })).toEqual({
      account: 'cafe',
      account_number: '100001',
      object: 'stock',
      object_id: 5,
      action: 'changed',
      time: 1_700_000_000,
      data: { type: 'ingredient', element_id: 5, storage_id: 1, value_relative: -2, value_absolute: 7.5 },
    })
    expect(parseWebhook(plain, SECRET, { now })).not.toHaveProperty('data')
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
    expect(reason(() => parseWebhook({ ...plain, action: 'exploded' }, SECRET, { now }))).toBe('malformed')
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
