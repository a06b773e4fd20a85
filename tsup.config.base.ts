import type { Options } from 'tsup'

/**
 * Shared tsup settings: ESM + CJS + .d.ts for every package. Each package
 * passes only its entries, which scripts/check-exports.mjs keeps equal to
 * its `exports` map. `@rc/internal` (a dev dependency, so tsup bundles it)
 * is inlined into the code and the declarations alike: every package still
 * installs alone.
 */
export function packageConfig(entry: Record<string, string>, extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: { resolve: ['@rc/internal'] },
    noExternal: ['@rc/internal'],
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: true,
    treeshake: true,
    // What was built, for scripts/check-packages.mjs; kept out of the tarball by `files`.
    metafile: true,
    ...extra,
  }
}
