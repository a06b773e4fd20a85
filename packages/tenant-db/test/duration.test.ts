import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toMs } from '../src/duration'

describe('toMs', () => {
  it('reads milliseconds and unit strings', () => {
    expect(toMs(250, 'x')).toBe(250)
    expect(toMs('500ms', 'x')).toBe(500)
    expect(toMs('1.5s', 'x')).toBe(1500)
    expect(toMs('5m', 'x')).toBe(300_000)
    expect(toMs('1h', 'x')).toBe(3_600_000)
    expect(toMs('1d', 'x')).toBe(86_400_000)
  })

  it('scales every unit exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (n) => {
        expect(toMs(`${n}s`, 'x')).toBe(n * 1000)
        expect(toMs(`${n}m`, 'x')).toBe(toMs(`${n * 60}s`, 'x'))
      }),
    )
  })

  it('rejects what is not a duration, naming the option', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5 minutes', '', '10', 'ms'] as never[]) {
      expect(() => toMs(bad, 'lockTimeout')).toThrow(
        expect.objectContaining({
          code: 'TENANT_DB_INVALID_ARGUMENT',
          message: expect.stringContaining('lockTimeout'),
        }),
      )
    }
  })
})
