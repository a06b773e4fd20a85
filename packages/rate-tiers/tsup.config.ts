import { defineConfig } from 'tsup'
import { packageConfig } from '../../tsup.config.base'

export default defineConfig(
  packageConfig({
    index: 'src/index.ts',
    redis: 'src/redis.ts',
    fastify: 'src/fastify.ts',
    express: 'src/express.ts',
    fetch: 'src/fetch.ts',
    testing: 'src/testing.ts',
  }),
)
