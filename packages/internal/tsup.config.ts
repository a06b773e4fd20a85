import { defineConfig } from 'tsup'

// ESM and declarations only: the published packages inline this build, nobody installs it.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
})
