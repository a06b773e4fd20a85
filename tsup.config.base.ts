import { fileURLToPath } from 'node:url'
import type { Options } from 'tsup'

const vitestForCjs = fileURLToPath(new URL('./packages/internal/src/vitest-cjs.ts', import.meta.url))

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
    // vitest is resolved by the plugin below (tsup's own externals would resolve it first).
    noExternal: ['@rc/internal', 'vitest'],
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: true,
    treeshake: true,
    // What was built, for scripts/check-packages.mjs; kept out of the tarball by `files`.
    metafile: true,
    esbuildPlugins: [
      {
        // vitest is ESM-only and refuses require(): CommonJS builds of a `testing` entry get a stand-in
        // whose suites explain that, so the entry's other exports still load with require().
        name: 'vitest-in-cjs',
        setup(build) {
          // tsup builds CJS as ESM first when tree-shaking; its TSUP_FORMAT define names the real format.
          const cjs = build.initialOptions.define?.TSUP_FORMAT === '"cjs"'
          build.onResolve({ filter: /^vitest$/ }, () => (cjs ? { path: vitestForCjs } : { external: true }))
        },
      },
    ],
    ...extra,
  }
}
