import { describe, expect, it } from 'vitest'
import { createHashGate, LoginBusyError } from '../src/auth/hash-gate'
import { sourceOf } from '../src/auth/login-throttle'

const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

describe('the password-check gate', () => {
  it('never runs more checks at once than its concurrency, and refuses past its queue', async () => {
    const gate = createHashGate({ concurrency: 2, maxQueue: 5 })
    let running = 0
    let most = 0
    const check = async () => {
      running++
      most = Math.max(most, running)
      await tick()
      running--
      return true
    }
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => gate.run(check)))
    expect(most).toBe(2)
    expect(gate.stats().peak).toBe(2)
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7) // 2 running + 5 queued
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(refused).toHaveLength(13)
    for (const r of refused) expect(r.reason).toBeInstanceOf(LoginBusyError)
    expect(gate.stats()).toMatchObject({ running: 0, waiting: 0 })
  })

  it('lets a known device ahead of the queue', async () => {
    const gate = createHashGate({ concurrency: 1, maxQueue: 10 })
    const order: string[] = []
    const check = (name: string) => async () => {
      order.push(name)
      await tick()
      return true
    }
    await Promise.all([
      gate.run(check('first')),
      gate.run(check('stranger 1')),
      gate.run(check('stranger 2')),
      gate.run(check('device'), true),
    ])
    expect(order).toEqual(['first', 'device', 'stranger 1', 'stranger 2'])
  })
})

describe('login sources', () => {
  it('counts IPv4 addresses one by one and IPv6 by /64', () => {
    expect(sourceOf('203.0.113.7')).toBe('203.0.113.7')
    expect(sourceOf('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(sourceOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(sourceOf('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64')
    expect(sourceOf('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(sourceOf('::1')).toBe('0:0:0:0::/64')
  })
})
