import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeMembership, removeUser, setRole } from '../src/offboard'
import { bearer, type Instance, type Stack, startStack, user } from './stack'

// Two instances: access is changed through the first, and must hold on the second's very next request.
let stack: Stack
let other: Instance

beforeAll(async () => {
  stack = await startStack({
    label: 'access',
    restaurants: 3,
    tiers: ['enterprise', 'enterprise', 'free'],
    users: [
      user('leaving@r0.test', { r0: 'manager', r1: 'viewer' }),
      user('fired@r0.test', { r0: 'admin' }),
      user('demoted@r0.test', { r0: 'manager' }),
      user('greedy@r2.test', { r2: 'viewer' }),
      user('boss@r2.test', { r2: 'admin' }),
    ],
  })
  other = await stack.instance()
}, 60_000)

afterAll(async () => {
  await other?.close()
  await stack?.close()
})

async function idOf(email: string): Promise<number> {
  const { rows } = await stack.owner.query<{ id: number }>(
    'SELECT id::int FROM control.users WHERE email = $1',
    [email],
  )
  return (rows[0] as { id: number }).id
}

const get = (url: string, token: string) => other.app.inject({ method: 'GET', url, headers: bearer(token) })

describe('access changes apply on the next request, on every instance', () => {
  it('a removed membership', async () => {
    const token = await stack.login('leaving@r0.test')
    // Both instances have the memberships cached now.
    expect((await get('/api/restaurants/r0/', token)).statusCode).toBe(200)
    expect((await stack.app.inject({ url: '/api/restaurants/r0/', headers: bearer(token) })).statusCode).toBe(
      200,
    )

    await removeMembership(stack.runtime, stack.owner, await idOf('leaving@r0.test'), 'r0')
    expect((await get('/api/restaurants/r0/', token)).statusCode).toBe(403)
    expect((await get('/api/restaurants/r1/', token)).statusCode).toBe(200)
    expect((await get('/api/me', token)).json().memberships).toEqual({ r1: 'viewer' })
  })

  it('a removed user', async () => {
    const token = await stack.login('fired@r0.test')
    expect((await get('/api/me', token)).statusCode).toBe(200)
    await removeUser(stack.runtime, stack.owner, await idOf('fired@r0.test'))
    expect((await get('/api/me', token)).statusCode).toBe(401)
    expect((await get('/api/restaurants/r0/', token)).statusCode).toBe(401)
  })

  it('a lowered role', async () => {
    const token = await stack.login('demoted@r0.test')
    const section = { name: 'before demotion' }
    const write = () =>
      other.app.inject({
        method: 'POST',
        url: '/api/restaurants/r0/sections',
        headers: bearer(token),
        payload: section,
      })
    expect((await write()).statusCode).toBe(201)
    await setRole(stack.runtime, stack.owner, await idOf('demoted@r0.test'), 'r0', 'viewer')
    section.name = 'after demotion'
    expect((await write()).statusCode).toBe(403)
  })
})

describe("a restaurant's plan bucket shared between its users", () => {
  it('one user cannot spend all of it: the admin still gets in', async () => {
    // r2 is on the free plan: 20 API requests a minute for the restaurant, half of that per user.
    const greedy = await stack.login('greedy@r2.test')
    const boss = await stack.login('boss@r2.test')
    const statuses: number[] = []
    for (let i = 0; i < 25; i++)
      statuses.push((await get('/api/restaurants/r2/suppliers', greedy)).statusCode)
    expect(statuses.filter((s) => s === 200)).toHaveLength(10)
    const denied = await get('/api/restaurants/r2/suppliers', greedy)
    expect(denied.statusCode).toBe(429)
    expect(Number(denied.headers['retry-after'])).toBeGreaterThan(0)

    const admin = await get('/api/restaurants/r2/suppliers', boss)
    expect(admin.statusCode).toBe(200)
    // The restaurant's own limit still holds, and its headers are what clients see.
    expect(admin.headers['x-ratelimit-limit']).toBe('20')
    expect(Number(admin.headers['x-ratelimit-remaining'])).toBe(9)
  })
})
