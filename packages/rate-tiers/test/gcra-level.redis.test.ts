import fc from 'fast-check'
import { expect, it } from 'vitest'
import { asStored } from '../src/memory/gcra'
import { useSharedRedis } from './support/shared-redis'

const { client } = useSharedRedis('rt-gcra-level')

// The scripts store a GCRA level as `string.format('%.9f ', lv)` and read it back with tonumber; the
// memory store must keep the very same number, or a later ceil/floor can differ by one.
const printed =
  "local o = {} for i, v in ipairs(ARGV) do o[i] = string.format('%.9f', tonumber(v)) end return o"

it('the memory store keeps a GCRA level as the scripts store it, to the last bit', async () => {
  const level = fc.oneof(
    fc.double({ min: 0, max: 1e7, noNaN: true }),
    // Levels next to a half of the 9th decimal, where rounding the scaled product can go wrong.
    fc
      .tuple(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 999_999 }))
      .map(([units, rest]) => (units * 1e6 + rest + 0.5) / 1e9),
    // Exact halves (odd multiples of 1/1024): printf rounds them to even.
    fc.integer({ min: 0, max: 2 ** 30 }).map((n) => (2 * n + 1) / 1024),
    fc.constantFrom(4.65 - 1, 6.3 + 1e-15, 0, 1 / 1024, 3 / 1024),
  )
  await fc.assert(
    fc.asyncProperty(fc.array(level, { minLength: 1, maxLength: 300 }), async (levels) => {
      const texts = (await client.eval(printed, 0, ...levels.map(String))) as string[]
      expect(levels.map(asStored)).toEqual(texts.map(Number))
    }),
    { numRuns: 30 },
  )
})
