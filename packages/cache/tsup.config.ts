import { defineConfig } from 'tsup'
import { packageConfig } from '../../tsup.config.base'

export default defineConfig(
  packageConfig({
    index: 'src/index.ts',
    memory: 'src/memory.ts',
    redis: 'src/redis.ts',
    postgres: 'src/postgres.ts',
    testing: 'src/testing.ts',
    keyv: 'src/keyv.ts',
  }),
)
