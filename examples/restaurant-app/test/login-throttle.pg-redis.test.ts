import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ops, PASSWORD, type Stack, startStack, user } from './stack'

// Small limits so the test stays short; the defaults are in the README.
const LIMITS = { source: '20/15m', global: '60/15m', account: '5/15m', device: '5/15m' }
let stack: Stack

beforeAll(async () => {
  stack = await startStack({
    label: 'login_throttle',
    restaurants: 1,
    users: [
      user('owner@r0.test', { r0: 'admin' }),
      user('stranger@r0.test', { r0: 'viewer' }),
      user('cook@r0.test', { r0: 'viewer' }),
    ],
    env: { LOGIN_LIMITS: JSON.stringify(LIMITS) },
  })
}, 60_000)

afterAll(async () => {
  await stack?.close()
})

function login(email: string, password: string, from: string, cookie?: string) {
  return stack.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress: from,
    payload: { email, password },
    ...(cookie ? { headers: { cookie } } : {}),
  })
}

/** Password checks (scrypt runs) so far, from the app's own metrics. */
async function passwordChecks(): Promise<number> {
  const text = (await stack.app.inject({ method: 'GET', url: '/metrics', headers: ops })).body
  return [...text.matchAll(/^login_password_checks_total\{[^}]*\} (\d+)/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  )
}

describe('login throttling', () => {
  it('stops a spray of many emails from one source, and hashes no more than the source may try', async () => {
    const before = await passwordChecks()
    const statuses: number[] = []
    for (let i = 0; i < 60; i++) {
      const response = await login(`guess${i}@spray.test`, 'hunter2', '10.0.0.1')
      statuses.push(response.statusCode)
      if (response.statusCode === 429) {
        expect(response.json().code).toBe('LOGIN_THROTTLED')
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0)
      }
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(20)
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true)
    expect((await passwordChecks()) - before).toBeLessThanOrEqual(20)
    // The source is throttled, not the accounts: the real user elsewhere logs in.
    expect((await login('stranger@r0.test', PASSWORD, '10.9.9.9')).statusCode).toBe(200)
  })

  it('lets a known device in while strangers are throttled after an attack on the account', async () => {
    // The owner logged in from this browser before: it holds a device cookie for the account.
    const first = await login('owner@r0.test', PASSWORD, '192.0.2.10')
    expect(first.statusCode).toBe(200)
    const device = first.cookies.find((c) => c.name.startsWith('rc_device'))
    expect(device?.httpOnly).toBe(true)
    const deviceCookie = `${device?.name}=${device?.value}`

    // An attacker tries passwords for the owner's account from many addresses.
    const attack: number[] = []
    for (let i = 0; i < 12; i++)
      attack.push((await login('owner@r0.test', `guess-${i}`, `198.51.100.${i + 1}`)).statusCode)
    expect(attack.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(attack.slice(5).every((s) => s === 429)).toBe(true)

    // Without the device cookie, even the right password waits: the account is throttled for strangers.
    const stranger = await login('owner@r0.test', PASSWORD, '203.0.113.7')
    expect(stranger.statusCode).toBe(429)
    // The owner's browser is let in, from a new address too.
    const owner = await login('owner@r0.test', PASSWORD, '203.0.113.8', deviceCookie)
    expect(owner.statusCode, owner.body).toBe(200)
    // A device cookie is bound to its account: it opens no other account's throttle.
    for (let i = 0; i < 5; i++) await login('stranger@r0.test', `wrong-${i}`, `198.51.100.${50 + i}`)
    expect((await login('stranger@r0.test', PASSWORD, '203.0.113.9', deviceCookie)).statusCode).toBe(429)
    // A forged device cookie is a stranger's.
    const forged = `${device?.name}=${'A'.repeat(device?.value.length ?? 40)}`
    expect((await login('owner@r0.test', PASSWORD, '203.0.113.10', forged)).statusCode).toBe(429)
    // The device has its own failure budget: guessing through a stolen cookie locks only that cookie.
    for (let i = 0; i < 5; i++)
      expect((await login('owner@r0.test', `guess-d${i}`, '203.0.113.11', deviceCookie)).statusCode).toBe(401)
    expect((await login('owner@r0.test', PASSWORD, '203.0.113.11', deviceCookie)).statusCode).toBe(429)
  })

  it('spreads over many sources only until the global budget is spent; known devices still get in', async () => {
    const first = await login('cook@r0.test', PASSWORD, '192.0.2.30')
    const device = first.cookies.find((c) => c.name.startsWith('rc_device'))
    const statuses: number[] = []
    for (let i = 0; i < 80; i++)
      statuses.push((await login(`spread${i}@spray.test`, 'hunter2', `172.16.${i}.1`)).statusCode)
    // 60 attempts per 15 min across every source, some of them spent by the tests above.
    expect(statuses.filter((s) => s === 401).length).toBeLessThan(60)
    expect(statuses.at(-1)).toBe(429)
    // A stranger with the right password from a fresh address waits; the cook's browser does not.
    expect((await login('cook@r0.test', PASSWORD, '172.31.0.1')).statusCode).toBe(429)
    expect(
      (await login('cook@r0.test', PASSWORD, '172.31.0.2', `${device?.name}=${device?.value}`)).statusCode,
    ).toBe(200)
  })
})
