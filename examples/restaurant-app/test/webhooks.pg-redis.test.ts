// Webhooks as Poster sends them and as an attacker would: every correctly signed event is answered 200
// (Poster holds back an account's later hooks until one is accepted), only signed content counts, and a
// replay however dressed up is a duplicate.
import { webhookSignature } from '@rc/poster-client/webhooks'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config'
import { buildApp } from '../src/http/app'
import { createRuntime, type Runtime } from '../src/runtime'
import { type Stack, startStack } from './stack'

let stack: Stack
let url: string

beforeAll(async () => {
  stack = await startStack({ label: 'webhooks', restaurants: 3 })
  url = `${await stack.app.listen({ port: 0, host: '127.0.0.1' })}/webhooks/poster`
}, 60_000)

afterAll(async () => {
  await stack?.close()
})

const now = () => Math.floor(Date.now() / 1000)

/** A body signed as Poster signs it; `extra` fields ride along unsigned. */
function signed(
  fields: {
    account: string
    object: string
    object_id: number
    action: string
    time?: number
    data?: string
  },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const time = String(fields.time ?? now())
  const verify = webhookSignature(
    { ...fields, object_id: String(fields.object_id), time, data: fields.data },
    stack.fake.application.secret,
  )
  return { account_number: '100001', ...fields, time, verify, ...extra }
}

async function post(body: unknown, contentType = 'application/json') {
  const text =
    contentType === 'application/json'
      ? JSON.stringify(body)
      : new URLSearchParams(
          Object.entries(body as object).map(([k, v]): [string, string] => [k, String(v)]),
        ).toString()
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: text })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function metric(outcome: string, reason = ''): Promise<number> {
  const text = await stack.runtime.metrics.registry.metrics()
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`webhook_events_total{outcome="${outcome}",reason="${reason}"}`))
  return line ? Number(line.split(' ').at(-1)) : 0
}

describe('every correctly signed event is a 200, handled or not; a forgery is a 401', () => {
  it('answers 200 to an unknown action, an unknown object, an unknown account and null data; 401 when forged', async () => {
    const ignoredBefore = await metric('ignored', 'unhandled-object')
    const cases = [
      signed({ account: 'acct-r0', object: 'transaction', object_id: 12, action: 'closed' }),
      signed({ account: 'acct-r0', object: 'loyalty_card', object_id: 3, action: 'added' }),
      signed({ account: 'acct-nobody', object: 'stock', object_id: 1, action: 'changed' }),
      { ...signed({ account: 'acct-r0', object: 'product', object_id: 4, action: 'changed' }), data: null },
    ]
    const answers = []
    for (const body of cases) answers.push(await post(body))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200])
    expect(answers.map((a) => [a.body.outcome, a.body.reason])).toEqual([
      ['ignored', 'unhandled-object'],
      ['ignored', 'unhandled-object'],
      ['ignored', 'unknown-account'],
      ['handled', 'sync'],
    ])
    expect(await metric('ignored', 'unhandled-object')).toBe(ignoredBefore + 2)
    expect(await metric('ignored', 'unknown-account')).toBeGreaterThanOrEqual(1)

    const forged = {
      ...signed({ account: 'acct-r0', object: 'stock', object_id: 5, action: 'changed' }),
      object_id: 6,
    }
    expect((await post(forged)).status).toBe(401)
    expect(await metric('rejected', 'bad-signature')).toBeGreaterThanOrEqual(1)
    expect((await post({ account: 'acct-r0' })).status).toBe(400)
  })

  it('refuses an event stamped in the future beyond a few minutes, and one older than three days', async () => {
    const ahead = await post(
      signed({ account: 'acct-r0', object: 'stock', object_id: 1, action: 'changed', time: now() + 3600 }),
    )
    expect(ahead.status).toBe(400)
    expect(ahead.body.message).toMatch(/future/)
    const old = await post(
      signed({
        account: 'acct-r0',
        object: 'stock',
        object_id: 1,
        action: 'changed',
        time: now() - 4 * 86_400,
      }),
    )
    expect(old.status).toBe(400)
    const slightly = await post(
      signed({ account: 'acct-r0', object: 'stock', object_id: 2, action: 'changed', time: now() + 30 }),
    )
    expect(slightly.status).toBe(200)
  })

  it('does not fall over on a deeply nested unsigned field', async () => {
    const body = JSON.stringify(
      signed({ account: 'acct-r0', object: 'dish', object_id: 77, action: 'changed' }),
    )
    const deep = `${body.slice(0, -1)},"junk":${'['.repeat(100_000)}${']'.repeat(100_000)}}`
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: deep,
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'accept', outcome: 'handled' })
  })
})

describe('only signed content counts', () => {
  it('an install takes its token from the signed data only: an unsigned access_token is ignored', async () => {
    const before = (await stack.runtime.control.restaurants.get('r1'))!.tokenCiphertext
    // Someone replays a signed install that carried no token, adding a token of their own beside it.
    const withoutToken = signed(
      { account: 'acct-r1', object: 'application', object_id: 1, action: 'added' },
      {
        access_token: '999999:0123456789abcdef0123456789abcdef',
      },
    )
    const answer = await post(withoutToken)
    expect((await stack.runtime.control.restaurants.get('r1'))!.tokenCiphertext).toBe(before)
    expect(answer).toEqual({
      status: 200,
      body: { status: 'accept', outcome: 'ignored', reason: 'install-without-token' },
    })

    // A signed token wins over an unsigned one beside it.
    const real = stack.fake.accounts[1]!.token
    const install = signed(
      {
        account: 'acct-r1',
        object: 'application',
        object_id: 1,
        action: 'added',
        data: JSON.stringify({ user_id: 4, access_token: real }),
      },
      { access_token: '999999:0123456789abcdef0123456789abcdef' },
    )
    expect((await post(install)).body).toMatchObject({ outcome: 'handled', reason: 'reactivated' })
    const after = (await stack.runtime.control.restaurants.get('r1'))!
    expect(after.tokenCiphertext).not.toBe(before)
    expect(stack.runtime.cipher.decrypt(after.tokenCiphertext)).toBe(real)
  })
})

describe('replays are duplicates, however dressed up', () => {
  it('a junk field, reordered keys, an upper-cased verify and another content type all dedupe to one sync', async () => {
    const event = signed({ account: 'acct-r0', object: 'ingredient', object_id: 31, action: 'changed' })
    const first = await post(event)
    expect(first.body.jobId).toEqual(expect.any(String))
    await stack.waitForJob(first.body.jobId as string)
    const replays = [
      { ...event, junk: 'x' },
      Object.fromEntries(Object.entries(event).reverse()),
      { ...event, verify: String(event.verify).toUpperCase() },
      { ...event, account_number: '424242' },
    ]
    const answers = []
    for (const replay of replays) answers.push((await post(replay)).body)
    answers.push((await post(event, 'application/x-www-form-urlencoded')).body)
    // Not one sync more: each replay is acknowledged as a duplicate.
    expect(answers.map((a) => a.jobId)).toEqual(answers.map(() => undefined))
    expect(answers).toEqual(answers.map(() => ({ status: 'accept', outcome: 'duplicate' })))
  })

  it('an old uninstall, replayed after the restaurant was reinstalled, does not deactivate it', async () => {
    // All after the restaurant was onboarded: an event older than that is ignored as well.
    const t = now()
    const uninstall = signed({
      account: 'acct-r2',
      object: 'application',
      object_id: 1,
      action: 'removed',
      time: t,
    })
    const active = async () => (await stack.runtime.control.restaurants.get('r2'))!.active
    const first = (await post(uninstall)).body
    expect(await active()).toBe(false)
    const token = stack.fake.accounts[2]!.token
    const reinstall = signed({
      account: 'acct-r2',
      object: 'application',
      object_id: 1,
      action: 'added',
      time: t + 2,
      data: JSON.stringify({ user_id: 4, access_token: token }),
    })
    await post(reinstall)
    expect(await active()).toBe(true)
    // The same uninstall again, dressed up: a duplicate, and the restaurant stays.
    const replayed = (await post({ ...uninstall, junk: 1, verify: String(uninstall.verify).toUpperCase() }))
      .body
    expect(await active()).toBe(true)
    // An older uninstall never seen before (a late retry, or the duplicate memory lost): ignored by its time.
    const older = signed({
      account: 'acct-r2',
      object: 'application',
      object_id: 1,
      action: 'removed',
      time: t + 1,
    })
    const late = (await post(older)).body
    expect(await active()).toBe(true)
    expect(first).toMatchObject({ outcome: 'handled', reason: 'deactivated' })
    expect(replayed).toMatchObject({ outcome: 'duplicate' })
    expect(late).toEqual({ status: 'accept', outcome: 'ignored', reason: 'older-than-last-install' })
  })
})

describe('the endpoint is rate limited per source address', () => {
  let runtime: Runtime
  let app: FastifyInstance
  afterAll(async () => {
    await app?.close()
    await runtime?.close()
  })

  it('answers 429 with Retry-After past WEBHOOK_RATE_LIMIT, and counts it', async () => {
    const c = stack.runtime.config
    runtime = await createRuntime(
      loadConfig({
        DATABASE_URL: c.databaseUrl as string,
        REDIS_URL: c.redisUrl as string,
        TOKEN_KEYS: Object.entries(c.tokenKeys.keys)
          .map(([id, key]) => `${id}:${key}`)
          .join(','),
        POSTER_APP_SECRET: c.posterAppSecret,
        KEY_PREFIX: `${c.keyPrefix}-limited`,
        LOG_LEVEL: 'silent',
        WORKER: 'off',
        WEBHOOK_RATE_LIMIT: '3/1m',
      }),
    )
    app = await buildApp(runtime)
    const statuses: number[] = []
    let retryAfter: string | undefined
    for (let i = 0; i < 5; i++) {
      const response = await app.inject({
        method: 'POST',
        url: '/webhooks/poster',
        payload: signed({ account: 'acct-r0', object: 'loyalty_card', object_id: 100 + i, action: 'added' }),
      })
      statuses.push(response.statusCode)
      if (response.statusCode === 429) retryAfter = response.headers['retry-after'] as string
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429])
    expect(Number(retryAfter)).toBeGreaterThan(0)
    expect(await runtime.metrics.registry.metrics()).toMatch(
      /webhook_events_total\{outcome="rate_limited",reason=""\} 2/,
    )
  })
})
