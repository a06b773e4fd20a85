import { defineConfig } from 'tsup'
import { packageConfig } from '../../tsup.config.base'

export default defineConfig([
  packageConfig({
    index: 'src/index.ts',
    migrate: 'src/migrate.ts',
    audit: 'src/audit.ts',
    pglite: 'src/pglite.ts',
    drizzle: 'src/drizzle.ts',
    kysely: 'src/kysely.ts',
    fastify: 'src/fastify.ts',
    express: 'src/express.ts',
    testing: 'src/testing.ts',
  }),
  // The `rc-tenant-db` bin: an ESM script, no types; built after the library so it cleans nothing.
  packageConfig({ cli: 'src/cli.ts' }, { format: ['esm'], dts: false, clean: false, metafile: false }),
])
