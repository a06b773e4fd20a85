// Where errors go, with our own interfaces faked (Sentry's sink, the restaurants, the table): tags and
// account reach the sink, the table gets the scrubbed message, a failing table or lookup never throws,
// and an error storm is bounded.
import { randomBytes } from 'node:crypto'
import { createTokenCipher } from '@rc/poster-client/tokens'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import type { Restaurant } from '../src/restaurants/repository'
import { createErrorReports } from '../src/telemetry/error-reports'
import type { NewError, RecentErrors } from '../src/telemetry/recent-errors'
import type { ErrorTags, SentrySink } from '../src/telemetry/sentry'

const cipher = createTokenCipher({ keys: { k: randomBytes(32).toString('base64') }, current: 'k' })
const token = '100001:0123456789abcdef0123456789abcdef'
const restaurant = {
  id: 'r0',
  posterAccount: 'acct-r0',
  tokenCiphertext: cipher.encrypt(token),
} as Restaurant

function setUp(
  options: { lookup?: () => Promise<Restaurant | undefined>; record?: () => Promise<void> } = {},
) {
  const captured: Array<{ tags: ErrorTags; traceId: string; secrets: readonly string[] }> = []
  const recorded: NewError[] = []
  const sentry: SentrySink = {
    capture: (_error, tags, traceId, secrets) => {
      captured.push({ tags, traceId, secrets })
      return 'e'.repeat(32)
    },
    flush: async () => true,
    close: async () => {},
  }
  const recent = {
    record: async (error: NewError) => {
      await options.record?.()
      recorded.push(error)
    },
  } as unknown as RecentErrors
  const reports = createErrorReports({
    sentry,
    recent,
    log: pino({ level: 'silent' }),
    restaurants: { get: options.lookup ?? (async () => restaurant) },
    cipher,
    globalSecrets: ['deployment-secret-value'],
  })
  return { reports, captured, recorded }
}

describe('createErrorReports', () => {
  it("adds the restaurant's Poster account, scrubs its token, and records with Sentry's event id", async () => {
    const { reports, captured, recorded } = setUp()
    const traceId = reports.report(new Error(`boom ${token} deployment-secret-value`), {
      kind: 'job',
      where: 'job sync',
      restaurant: 'r0',
    })
    await reports.settled()
    expect(traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(captured[0]!.tags.posterAccount).toBe('acct-r0')
    expect(captured[0]!.secrets).toEqual(expect.arrayContaining([token, 'deployment-secret-value']))
    expect(recorded[0]).toMatchObject({ restaurantId: 'r0', traceId, sentryEventId: 'e'.repeat(32) })
    expect(recorded[0]!.message).toBe('Error: boom [Filtered] [Filtered]')
  })

  it('never throws when the lookup or the table fails: Sentry still gets the error', async () => {
    const { reports, captured, recorded } = setUp({
      lookup: async () => {
        throw new Error('database down')
      },
      record: async () => {
        throw new Error('database down')
      },
    })
    expect(() =>
      reports.report(new Error('x'), { kind: 'request', where: 'GET /x', restaurant: 'r0' }),
    ).not.toThrow()
    await reports.settled()
    expect(captured).toHaveLength(1)
    expect(captured[0]!.tags.posterAccount).toBeUndefined()
    expect(recorded).toHaveLength(0)
  })

  it('bounds an error storm: past 64 in flight, errors skip the table but still reach Sentry', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const { reports, captured, recorded } = setUp({ lookup: () => gate.then(() => restaurant) })
    for (let i = 0; i < 100; i++)
      reports.report(new Error(`e${i}`), { kind: 'job', where: 'job sync', restaurant: 'r0' })
    expect(captured).toHaveLength(36) // sent at once, without waiting for the lookup
    release()
    await reports.settled()
    expect(captured).toHaveLength(100)
    expect(recorded).toHaveLength(64)
  })
})
