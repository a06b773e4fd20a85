import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
// @ts-expect-error a plain .mjs build script without declarations
import { render } from '../scripts/lua.mjs'

it('src/redis/lua/sources.ts is what scripts/lua.mjs makes of the .lua files (run `pnpm lua`)', () => {
  expect(readFileSync(new URL('../src/redis/lua/sources.ts', import.meta.url), 'utf8')).toBe(render())
})
