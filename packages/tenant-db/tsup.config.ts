import { defineConfig } from 'tsup'
import { packageConfig } from '../../tsup.config.base'

export default defineConfig(
  packageConfig({
    index: 'src/index.ts',
    migrate: 'src/migrate.ts',
    audit: 'src/audit.ts',
    pglite: 'src/pglite.ts',
    cli: 'src/cli.ts',
  }),
)
