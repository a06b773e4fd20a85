import type { Cache } from '../../src/index'

/** Until the cache serves from `mode`; how long that took. Throws past `boundMs`, so a test cannot hang. */
export async function waitForMode(
  cache: Cache,
  mode: 'primary' | 'fallback',
  boundMs = 20_000,
): Promise<number> {
  const started = performance.now()
  while (cache.stats().mode !== mode) {
    if (performance.now() - started > boundMs)
      throw new Error(`cache did not reach ${mode} within ${boundMs} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
  return performance.now() - started
}
