import { parseArgs } from 'node:util'

export const USAGE = `Usage: rc-tenant-db <command> [options]

Commands:
  audit       report tenancy mistakes; exit 1 if any error-level finding is not in the baseline
  apply-rls   enable + force RLS, create the tenant policy and grants on --tables
  migrate     apply the .sql files in --dir not applied yet, in name order

Options:
  --database-url <url>     PostgreSQL URL (default: $DATABASE_URL)
  --json                   machine-readable output
  --column <name>          tenant column (audit, apply-rls)
  --role <name>            the app's role (audit, apply-rls)
  --setting <name>         setting the policies read (default app.current_tenant)
  --tables <a,b>           tables to protect (apply-rls)
  --citus                  policy form Citus accepts on distributed tables (apply-rls)
  --schemas <a,b>          schemas to audit (default public)
  --baseline <file>        accepted findings: only new ones fail (audit)
  --write-baseline <file>  write the current findings as the baseline and exit 0 (audit)
  --dir <path>             migrations folder (migrate)
  --table <name>           migrations table (migrate, default rc_tenant_db_migrations)
  -h, --help               this text`

/** A command line that cannot be run as given: exit 2 with usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export type Command = 'audit' | 'apply-rls' | 'migrate'

export interface CliArgs {
  command: Command | 'help'
  databaseUrl: string
  json: boolean
  column?: string
  role?: string
  setting?: string
  tables: string[]
  citus: boolean
  schemas?: string[]
  baseline?: string
  writeBaseline?: string
  dir?: string
  table?: string
}

const COMMANDS: readonly string[] = ['audit', 'apply-rls', 'migrate']

export function parseCliArgs(argv: string[], env: Record<string, string | undefined>): CliArgs {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help) return { command: 'help', databaseUrl: '', json: false, tables: [], citus: false }
  const [command, ...extra] = positionals
  if (!command) throw new UsageError('missing command')
  if (!COMMANDS.includes(command)) throw new UsageError(`unknown command "${command}"`)
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`)
  const databaseUrl = values['database-url'] ?? env.DATABASE_URL
  if (!databaseUrl) throw new UsageError('no database: pass --database-url or set DATABASE_URL')
  const list = (v: string | undefined) =>
    v
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  const args: CliArgs = {
    command: command as Command,
    databaseUrl,
    json: values.json ?? false,
    column: values.column,
    role: values.role,
    setting: values.setting,
    tables: list(values.tables) ?? [],
    citus: values.citus ?? false,
    schemas: list(values.schemas),
    baseline: values.baseline,
    writeBaseline: values['write-baseline'],
    dir: values.dir,
    table: values.table,
  }
  const need = (flag: string, value: unknown) => {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) {
      throw new UsageError(`${command} needs --${flag}`)
    }
  }
  if (command === 'audit' || command === 'apply-rls') {
    need('column', args.column)
    need('role', args.role)
  }
  if (command === 'apply-rls') need('tables', args.tables)
  if (command === 'migrate') need('dir', args.dir)
  return args
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'database-url': { type: 'string' },
      json: { type: 'boolean' },
      column: { type: 'string' },
      role: { type: 'string' },
      setting: { type: 'string' },
      tables: { type: 'string' },
      citus: { type: 'boolean' },
      schemas: { type: 'string' },
      baseline: { type: 'string' },
      'write-baseline': { type: 'string' },
      dir: { type: 'string' },
      table: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}
