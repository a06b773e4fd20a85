import { defineConfig } from 'tsup'
import { packageConfig } from '../../tsup.config.base'

export default defineConfig(
  packageConfig({
    index: 'src/index.ts',
    redis: 'src/redis.ts',
    oauth: 'src/oauth.ts',
    webhooks: 'src/webhooks.ts',
    tokens: 'src/tokens.ts',
    testing: 'src/testing.ts',
  }),
)
