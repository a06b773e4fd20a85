import { type RedisServer, startRedis } from '@rc/test-services'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { bearer, type Instance, PASSWORD, type Stack, startStack, user } from './stack'

// Two app instances behind an imaginary load balancer, on a Redis of their own that this file freezes
// (SIGSTOP: connections stay open, nothing answers) and thaws.
let redis: RedisServer
let stack: Stack
let other: Instance

beforeAll(async () => {
  redis = await startRedis()
  stack = await startStack({
    label: 'sessions',
    restaurants: 1,
    users: [user('viewer@r0.test', { r0: 'viewer' }), user('chef@r0.test', { r0: 'manager' })],
    env: { REDIS_URL: redis.url },
  })
  other = await stack.instance()
}, 60_000)

afterEach(() => redis.resume())

afterAll(async () => {
  redis?.resume()
  await other?.close()
  await stack?.close()
  await redis?.destroy()
})

const me = (app: FastifyInstance, token: string) =>
  app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })

/** Statuses of `/api/me` until it answers something other than 503 (the store coming back), or 15 s. */
async function settle(app: FastifyInstance, token: string): Promise<number[]> {
  const seen: number[] = []
  const deadline = Date.now() + 15_000
  for (;;) {
    const status = (await me(app, token)).statusCode
    seen.push(status)
    if (status !== 503 || Date.now() > deadline) return seen
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('sessions while Redis hangs', () => {
  it('logout during the hang ends the session for real, on every instance, once Redis is back', async () => {
    const token = await stack.login('viewer@r0.test')
    // Both instances have seen the session (each may remember it).
    expect((await me(stack.app, token)).statusCode).toBe(200)
    expect((await me(other.app, token)).statusCode).toBe(200)

    redis.pause()
    const started = performance.now()
    const logout = await stack.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) })
    // 204 only because the revocation is recorded durably (PostgreSQL); a 503 would be honest too, a 204
    // that leaves the session alive is what this test exists to catch.
    expect(logout.statusCode, logout.body).toBe(204)
    expect(performance.now() - started).toBeLessThan(10_000)
    // Still frozen: no instance accepts the session any more.
    await new Promise((resolve) => setTimeout(resolve, 3_000)) // past the revocation poll (2 s)
    expect((await me(stack.app, token)).statusCode).not.toBe(200)
    expect((await me(other.app, token)).statusCode).not.toBe(200)

    redis.resume()
    for (const app of [stack.app, other.app]) {
      const seen = await settle(app, token)
      expect(seen, 'never 200 after the logout').not.toContain(200)
      expect(seen.at(-1)).toBe(401)
    }
    // Long after (the old bug: it still worked 30 s later through another instance's near cache), and on
    // an instance started after the outage, which knows only what Redis and PostgreSQL hold.
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    const late = await stack.instance()
    try {
      for (const app of [stack.app, other.app, late.app]) expect((await me(app, token)).statusCode).toBe(401)
    } finally {
      await late.close()
    }
  }, 60_000)

  it('answers 503 with Retry-After for a session it cannot check, and refuses logins instead of keeping them in memory', async () => {
    const known = await stack.login('chef@r0.test')
    expect((await me(stack.app, known)).statusCode).toBe(200)
    // Created through the other instance and never shown to the first one.
    const unknown = await other.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'viewer@r0.test', password: PASSWORD },
    })
    const unknownToken = unknown.json().token as string

    redis.pause()
    // A few seconds into the hang (the old bug: valid sessions turned into 401 then).
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    const unverifiable = await me(stack.app, unknownToken)
    expect(unverifiable.statusCode, unverifiable.body).toBe(503)
    expect(unverifiable.json()).toMatchObject({ code: 'SESSION_STORE_UNAVAILABLE' })
    expect(Number(unverifiable.headers['retry-after'])).toBeGreaterThan(0)
    // A session this instance verified a moment ago keeps working.
    expect((await me(stack.app, known)).statusCode).toBe(200)

    const login = await stack.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'viewer@r0.test', password: PASSWORD },
    })
    expect(login.statusCode, login.body).toBe(503)
    expect(login.json().code).toBe('SESSION_STORE_UNAVAILABLE')
    expect(Number(login.headers['retry-after'])).toBeGreaterThan(0)
    expect(login.headers['set-cookie']).toBeUndefined()

    redis.resume()
    expect((await settle(stack.app, unknownToken)).at(-1)).toBe(200)
    // A login made after the outage works on the other instance at once: it is in Redis, not in memory.
    const again = await stack.login('viewer@r0.test')
    expect((await me(other.app, again)).statusCode).toBe(200)
  }, 60_000)
})
