// Without SENTRY_DSN: Sentry is never started and nothing leaves the process for it, while the admin
// page still lists each restaurant's last errors with a trace id.
import diagnostics from 'node:diagnostics_channel'
import { isInitialized } from '@sentry/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, type Stack, startStack, user } from './stack'

let stack: Stack
let admin: string
// Every outgoing HTTP request of this process: node:http (Sentry's transport) and undici (fetch).
const outgoing: string[] = []
const onHttp = (message: unknown) => {
  const { request } = message as { request: { host: string; getHeader(name: string): unknown } }
  outgoing.push(`http://${String(request.getHeader('host') ?? request.host)}`)
}
const onFetch = (message: unknown) =>
  outgoing.push((message as { request: { origin: string } }).request.origin)

beforeAll(async () => {
  diagnostics.subscribe('http.client.request.start', onHttp)
  diagnostics.subscribe('undici:request:create', onFetch)
  stack = await startStack({
    label: 'errors_off',
    restaurants: 1,
    users: [user('manager@off.test', { r0: 'manager' }), user('ops@off.test', {}, true)],
  })
  admin = await stack.login('ops@off.test')
}, 60_000)

afterAll(async () => {
  diagnostics.unsubscribe('http.client.request.start', onHttp)
  diagnostics.unsubscribe('undici:request:create', onFetch)
  await stack?.close()
})

describe('error tracking without SENTRY_DSN', () => {
  it('starts no Sentry and sends nothing, yet records the errors with trace ids', async () => {
    expect(stack.runtime.config.sentry).toBeUndefined()
    expect(stack.runtime.errors.sentry).toBe(false)
    const session = await stack.login('manager@off.test')
    outgoing.length = 0

    await stack.owner.query('REVOKE INSERT ON sections FROM rc_app')
    try {
      const response = await stack.app.inject({
        method: 'POST',
        url: '/api/restaurants/r0/sections',
        headers: bearer(session),
        payload: { name: 'Bar' },
      })
      expect(response.statusCode).toBe(500)
    } finally {
      await stack.owner.query('GRANT INSERT ON sections TO rc_app')
    }
    stack.fake.revokeToken('acct-r0')
    const { id } = await stack.runtime.jobs.enqueueSync({ restaurantId: 'r0', reason: 'manual' })
    expect((await stack.waitForJob(id)).state).toBe('failed')
    await stack.runtime.errors.settled()

    expect(isInitialized()).toBe(false)
    // The sync's calls to the fake Poster, and nothing else.
    const poster = new URL(stack.fake.url).origin
    expect(outgoing.length).toBeGreaterThan(0)
    expect(outgoing.filter((origin) => origin !== poster)).toEqual([])

    const response = await stack.app.inject({
      method: 'GET',
      url: '/api/admin/restaurants/r0/errors',
      headers: bearer(admin),
    })
    const items = response.json().items as Array<{ where: string; traceId: string; sentryEventId: null }>
    expect(items.map((e) => e.where)).toEqual(['job sync', 'POST /api/restaurants/:restaurantId/sections'])
    for (const item of items) {
      expect(item.traceId).toMatch(/^[0-9a-f]{32}$/)
      expect(item.sentryEventId).toBeNull()
    }
  }, 60_000)
})
