// An account whose Poster keeps failing backs off on its own, is reported, and comes back; every other
// account syncs on meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, type Stack, startStack, user } from './stack'

let stack: Stack
let admin: string

beforeAll(async () => {
  stack = await startStack({
    label: 'breaker',
    restaurants: 3,
    users: [user('ops@breaker.test', {}, true)],
    env: {
      WORKER_CONCURRENCY: '4',
      POSTER_TIMEOUT: '500ms',
      POSTER_BREAKER_FAILURES: '2',
      POSTER_BREAKER_COOLDOWN: '4s',
    },
  })
  admin = await stack.login('ops@breaker.test')
}, 60_000)

afterAll(async () => {
  await stack?.close()
})

const sync = async (restaurantId: string, reason: 'scheduled' | 'manual' = 'scheduled') => {
  const { id } = await stack.runtime.jobs.enqueueSync({ restaurantId, reason })
  return stack.waitForJob(id, 90_000) as Promise<{ state: string; failedReason?: string; result?: unknown }>
}

const callsOf = (account: string) => stack.fake.requests.filter((r) => r.account === account).length

async function breakerOf(id: string) {
  const response = await stack.app.inject({
    method: 'GET',
    url: '/api/admin/restaurants',
    headers: bearer(admin),
  })
  return (
    response.json().items as Array<{ id: string; poster: { failures: number; backoffUntil: string | null } }>
  ).find((r) => r.id === id)!.poster
}

describe('per-account circuit breaker', () => {
  it('backs off an account that keeps failing, reports it, and leaves the others syncing', async () => {
    stack.fake.failNext('server-error', { account: 'acct-r1', times: 100_000 })
    const [r0, r1, r2] = await Promise.all([sync('r0'), sync('r1'), sync('r2')])
    expect([r0.state, r2.state]).toEqual(['completed', 'completed'])
    // Two failed attempts in a row open the breaker: the job stops retrying, the breaker takes over.
    expect(r1.state).toBe('failed')
    expect(r1.failedReason).toMatch(/keeps failing .* back off until/)
    const restaurant = await stack.runtime.control.restaurants.get('r1')
    expect(restaurant).toMatchObject({ status: 'error', posterFailures: 2 })
    expect(restaurant!.posterBackoffUntil!.getTime()).toBeGreaterThan(Date.now())
    const reported = await breakerOf('r1')
    expect(reported.failures).toBe(2)
    expect(new Date(reported.backoffUntil!).getTime()).toBeGreaterThan(Date.now())
    expect(await breakerOf('r0')).toEqual({ failures: 0, backoffUntil: null })
    expect(await stack.runtime.metrics.registry.metrics()).toMatch(/poster_breaker_opened_total [1-9]/)

    // While it backs off: no call to that account; the others sync as usual.
    const before = callsOf('acct-r1')
    const [again, other] = await Promise.all([sync('r1'), sync('r0')])
    expect(again).toMatchObject({ state: 'completed', result: { skipped: 'poster-backing-off' } })
    expect(other.state).toBe('completed')
    expect(callsOf('acct-r1')).toBe(before)
  }, 120_000)

  it('probes when the back-off ends: a failure backs off longer, a success closes it', async () => {
    const firstUntil = (await stack.runtime.control.restaurants.get('r1'))!.posterBackoffUntil!
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstUntil.getTime() - Date.now()) + 100))
    const failing = await sync('r1')
    expect(failing.state).toBe('failed')
    const longer = (await stack.runtime.control.restaurants.get('r1'))!
    expect(longer.posterFailures).toBeGreaterThanOrEqual(3)
    // The cool-down doubles (4 s, then 8 s) while the account keeps failing: set after the first ended.
    expect(longer.posterBackoffUntil!.getTime() - firstUntil.getTime()).toBeGreaterThanOrEqual(8_000)

    stack.fake.resetFaults()
    const probe = await sync('r1', 'manual') // a manual sync goes through as the probe
    expect(probe.state).toBe('completed')
    expect(await stack.runtime.control.restaurants.get('r1')).toMatchObject({
      status: 'ok',
      posterFailures: 0,
      posterBackoffUntil: null,
    })
    expect(await breakerOf('r1')).toEqual({ failures: 0, backoffUntil: null })
  }, 120_000)
})
