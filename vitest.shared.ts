import type { ViteUserConfig } from 'vitest/config'

/** Vitest settings shared by every package: sources over builds, type tests, service-friendly timeouts. */
export function testConfig(overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  return {
    resolve: { conditions: ['@rc/source'] },
    ssr: { resolve: { conditions: ['@rc/source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      // Type tests (`*.test-d.ts`) run with the others: tsc checks them, `@ts-expect-error` included.
      typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
      testTimeout: 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
      // Two cores: more workers only add contention to timing-sensitive tests.
      maxWorkers: 2,
      ...overrides,
    },
  }
}
