import type { ViteUserConfig } from 'vitest/config'

/** Vitest settings shared by every package: sources over builds, service-friendly timeouts. */
export function testConfig(overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  return {
    resolve: { conditions: ['@rc/source'] },
    ssr: { resolve: { conditions: ['@rc/source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
      // Two cores: more workers only add contention to timing-sensitive tests.
      maxWorkers: 2,
      ...overrides,
    },
  }
}
