import type { Options } from 'tsup'

/**
 * Shared tsup settings: ESM + CJS + .d.ts for every package. Each package
 * passes only its entries, which scripts/check-exports.mjs keeps equal to
 * its `exports` map.
 */
export function packageConfig(entry: Record<string, string>, extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: true,
    treeshake: true,
    ...extra,
  }
}
