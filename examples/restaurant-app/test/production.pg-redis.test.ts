import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config'
import { buildApp } from '../src/http/app'
import { createRuntime } from '../src/runtime'
import { bearer, ops, PASSWORD, type Stack, startStack, user } from './stack'

const users = [user('viewer@r0.test', { r0: 'viewer' }), user('ops@example.test', {}, true)]
let proxied: Stack // TRUST_PROXY=127.0.0.1: the proxy in front is on loopback
let direct: Stack // the defaults: no proxy trusted
let production: Stack // NODE_ENV=production

beforeAll(async () => {
  proxied = await startStack({ label: 'proxied', restaurants: 1, users, env: { TRUST_PROXY: '127.0.0.1' } })
  direct = await startStack({ label: 'direct', restaurants: 1, users })
  production = await startStack({
    label: 'production',
    restaurants: 1,
    users,
    env: { NODE_ENV: 'production' },
  })
}, 120_000)

afterAll(async () => {
  await Promise.all([proxied?.close(), direct?.close(), production?.close()])
})

const login = (stack: Stack, headers: Record<string, string> = {}) =>
  stack.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers,
    payload: { email: 'viewer@r0.test', password: PASSWORD },
  })
const sessionCookie = (response: Awaited<ReturnType<typeof login>>) =>
  response.cookies.find((c) => c.name === 'rc_session')

describe('TRUST_PROXY and production mode', () => {
  it('marks cookies Secure behind a TLS proxy it trusts', async () => {
    expect(sessionCookie(await login(proxied, { 'x-forwarded-proto': 'https' }))?.secure).toBe(true)
    expect(sessionCookie(await login(proxied))?.secure).toBeFalsy()
  })

  it('ignores forwarded headers from anyone it does not trust', async () => {
    expect(sessionCookie(await login(direct, { 'x-forwarded-proto': 'https' }))?.secure).toBeFalsy()
  })

  it('always marks cookies Secure in production, and serves no /docs there unless asked to', async () => {
    const cookie = sessionCookie(await login(production))
    expect(cookie?.secure).toBe(true)
    expect(cookie?.httpOnly).toBe(true)
    const token = (await login(production)).json().token as string
    expect((await production.app.inject({ url: '/docs/', headers: bearer(token) })).statusCode).toBe(404)
    expect((await production.app.inject({ url: '/openapi.json', headers: bearer(token) })).statusCode).toBe(
      404,
    )

    const config = loadConfig({ ...process.env, ...envOf(production), DOCS: 'on' })
    const runtime = await createRuntime(config)
    const app = await buildApp(runtime)
    try {
      expect((await app.inject({ url: '/docs/', headers: bearer(token) })).statusCode).toBe(200)
      expect((await app.inject({ url: '/docs/' })).statusCode).toBe(401)
    } finally {
      await app.close()
      await runtime.close()
    }
  })
})

/** The environment a stack was started with, enough for loadConfig. */
function envOf(stack: Stack): Record<string, string> {
  const c = stack.runtime.config
  return {
    DATABASE_URL: c.databaseUrl as string,
    REDIS_URL: c.redisUrl as string,
    TOKEN_KEYS: Object.entries(c.tokenKeys.keys)
      .map(([id, key]) => `${id}:${key}`)
      .join(','),
    POSTER_APP_SECRET: c.posterAppSecret,
    KEY_PREFIX: c.keyPrefix,
    LOG_LEVEL: 'silent',
    WORKER: 'off',
    NODE_ENV: 'production',
  }
}

describe('operations endpoints', () => {
  const protectedPaths = ['/metrics', '/health/detailed', '/api/cache-status', '/docs/', '/openapi.json']

  it('answer 401 without credentials or with a wrong token, outside embedded mode', async () => {
    for (const path of protectedPaths) {
      const anonymous = await direct.app.inject({ url: path })
      expect(anonymous.statusCode, path).toBe(401)
      expect(anonymous.json().code).toBe('OPS_UNAUTHORIZED')
      expect(anonymous.body).not.toMatch(/login_|redis|ECONNREFUSED/)
    }
    const wrong = await direct.app.inject({ url: '/metrics', headers: bearer('x'.repeat(32)) })
    expect(wrong.statusCode).toBe(401)
  })

  it('open to the ops token and to platform admins; the docs to any logged-in user', async () => {
    for (const path of protectedPaths)
      expect((await direct.app.inject({ url: path, headers: ops })).statusCode, path).toBe(200)
    const admin = await direct.login('ops@example.test')
    expect((await direct.app.inject({ url: '/metrics', headers: bearer(admin) })).statusCode).toBe(200)
    const viewer = await direct.login('viewer@r0.test')
    expect((await direct.app.inject({ url: '/metrics', headers: bearer(viewer) })).statusCode).toBe(403)
    expect((await direct.app.inject({ url: '/docs/', headers: bearer(viewer) })).statusCode).toBe(200)
  })

  it('keeps the probes open', async () => {
    for (const path of ['/health', '/live', '/ready'])
      expect((await direct.app.inject({ url: path })).statusCode, path).toBe(200)
  })

  it('are open by default in embedded mode only', async () => {
    const runtime = await createRuntime(
      loadConfig({ LOG_LEVEL: 'silent', WORKER: 'off', DATA_DIR: ':memory:' }),
    )
    const app = await buildApp(runtime)
    try {
      for (const path of protectedPaths) expect((await app.inject({ url: path })).statusCode, path).toBe(200)
    } finally {
      await app.close()
      await runtime.close()
    }
  })
})

describe('headers', () => {
  it('keeps /admin and /login out of frames and under a CSP', async () => {
    const admin = await direct.login('ops@example.test')
    for (const path of ['/admin', '/login']) {
      const page = await direct.app.inject({ url: path, headers: bearer(admin) })
      expect(page.statusCode, path).toBe(200)
      expect(page.headers['x-frame-options']).toBe('DENY')
      expect(String(page.headers['content-security-policy'])).toMatch(/frame-ancestors 'none'/)
      expect(String(page.headers['content-security-policy'])).toMatch(/default-src 'self'/)
    }
    const api = await direct.app.inject({ url: '/api/me', headers: bearer(admin) })
    expect(api.headers['x-content-type-options']).toBe('nosniff')
    expect(api.headers['x-frame-options']).toBe('DENY')
  })

  it('documents only routes that exist', async () => {
    const spec = (await direct.app.inject({ url: '/openapi.json', headers: ops })).json()
    const named = [
      ...String(spec.info.description).matchAll(/\b(GET|POST|PUT|PATCH|DELETE) (\/\S+?)[,.)\s]/g),
    ]
    expect(named.length).toBeGreaterThan(0)
    for (const [, method, path] of named)
      expect(
        spec.paths[path as string]?.[(method as string).toLowerCase()],
        `${method} ${path}`,
      ).toBeDefined()
  })
})
