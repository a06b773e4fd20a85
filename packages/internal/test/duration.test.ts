import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from '../src/duration'

class ArgumentError extends Error {}
const toMs = (value: unknown, what = 'x') => parseDuration(value, what, (m) => new ArgumentError(m))

describe('parseDuration', () => {
  it('reads milliseconds and unit strings', () => {
    expect(toMs(250)).toBe(250)
    expect(toMs('500ms')).toBe(500)
    expect(toMs('1.5s')).toBe(1500)
    expect(toMs(' 5m ')).toBe(300_000)
    expect(toMs('1h')).toBe(3_600_000)
    expect(toMs('1d')).toBe(86_400_000)
  })

  it('scales every unit exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (n) => {
        expect(toMs(`${n}s`)).toBe(n * 1000)
        expect(toMs(`${n}m`)).toBe(toMs(`${n * 60}s`))
        expect(toMs(formatDuration(n * 1000))).toBe(n * 1000)
      }),
    )
  })

  it("rejects what is not a duration with the caller's error, naming the option", () => {
    for (const bad of [
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '5 minutes',
      '',
      '10',
      'ms',
      '-5s',
      null,
      {},
    ]) {
      expect(() => toMs(bad, 'lockTimeout')).toThrow(ArgumentError)
      expect(() => toMs(bad, 'lockTimeout')).toThrow(/lockTimeout/)
    }
  })
})

describe('formatDuration', () => {
  it('gives the largest exact unit', () => {
    expect(formatDuration(60_000)).toBe('1m')
    expect(formatDuration(90_000)).toBe('90s')
    expect(formatDuration(86_400_000)).toBe('1d')
    expect(formatDuration(1500)).toBe('1500ms')
    expect(formatDuration(0)).toBe('0ms')
  })
})
