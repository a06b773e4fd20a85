import { readFile, writeFile } from 'node:fs/promises'
import { auditTenancy, hasErrors } from '../audit/audit-tenancy'
import { createBaseline, parseBaseline } from '../audit/baseline'
import type { PolicyPlan } from '../audit/plans'
import type { Finding } from '../audit/types'
import { TenantDbArgumentError, TenantDbError } from '../errors'
import { applyTenantRls } from '../migrate/apply-rls'
import { runMigrations } from '../migrate/run-migrations'
import type { PoolLike } from '../queryable'
import { type CliArgs, parseCliArgs, USAGE, UsageError } from './args'

/** Where the CLI writes, and its environment: injectable so tests run it in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  env: Record<string, string | undefined>
}

/** Runs one CLI invocation and resolves to its exit code: 0 ok, 1 findings or failure, 2 usage. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let args: CliArgs
  try {
    args = parseCliArgs(argv, io.env)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    io.stderr.write(`rc-tenant-db: ${error.message}\n\n${USAGE}\n`)
    return 2
  }
  if (args.command === 'help') {
    io.stdout.write(`${USAGE}\n`)
    return 0
  }
  const pg = await loadPg()
  const pool = new pg.Pool({ connectionString: args.databaseUrl, max: 2 })
  try {
    return await run(args, pool, io)
  } catch (error) {
    const message =
      error instanceof TenantDbError ? error.message : `[@rc/tenant-db] ${(error as Error).message}`
    if (args.json)
      io.stdout.write(`${JSON.stringify({ error: { message, code: (error as TenantDbError).code } })}\n`)
    io.stderr.write(`rc-tenant-db ${args.command}: ${message}\n`)
    return 1
  } finally {
    await pool.end()
  }
}

async function run(args: CliArgs, pool: PoolLike, io: CliIo): Promise<number> {
  const out = (value: unknown, text: string) =>
    io.stdout.write(args.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`)
  if (args.command === 'migrate') {
    const result = await runMigrations(pool, { dir: args.dir!, ...(args.table ? { table: args.table } : {}) })
    out(
      result,
      `applied ${result.applied.length} (${result.applied.join(', ') || 'none'}), skipped ${result.skipped.length}`,
    )
    return 0
  }
  if (args.command === 'apply-rls') {
    const applied = await applyTenantRls(pool, {
      tables: args.tables,
      column: args.column!,
      role: args.role!,
      citus: args.citus,
      ...(args.setting ? { setting: args.setting } : {}),
    })
    out(applied, applied.map((a) => `rls applied to ${a.table} (${args.column} ${a.columnType})`).join('\n'))
    return 0
  }
  const baseline =
    args.baseline && !args.writeBaseline
      ? parseBaseline(JSON.parse(await readFile(args.baseline, 'utf8')))
      : undefined
  const result = await auditTenancy(pool, {
    column: args.column!,
    role: args.role!,
    ...(args.setting ? { setting: args.setting } : {}),
    ...(args.schemas ? { schemas: args.schemas } : {}),
    ...(baseline ? { baseline } : {}),
  })
  if (args.writeBaseline) {
    await writeFile(args.writeBaseline, `${JSON.stringify(createBaseline(result.findings), null, 2)}\n`)
    out(
      { baseline: args.writeBaseline, accepted: result.findings.length },
      `wrote ${result.findings.length} findings to ${args.writeBaseline}`,
    )
    return 0
  }
  out(
    result,
    [formatPlans(result.plans), formatFindings(result.findings, result.suppressed.length)]
      .filter(Boolean)
      .join('\n\n'),
  )
  return hasErrors(result.findings) ? 1 : 0
}

function formatPlans(plans: PolicyPlan[]): string {
  return plans
    .map(
      (p) =>
        `plan    ${p.table}: index-friendly ${p.indexFriendly ? 'yes' : 'NO'}, setting once per statement ${p.settingOncePerStatement ? 'yes' : 'NO'}\n        ${p.explain.replaceAll('\n', '\n        ')}`,
    )
    .join('\n')
}

function formatFindings(findings: Finding[], suppressed: number): string {
  const lines = findings.map(
    (f) =>
      `${f.severity.padEnd(7)} ${f.code}  ${f.object}\n        ${f.message}\n        fix: ${f.fix.replaceAll('\n', '\n             ')}`,
  )
  const errors = findings.filter((f) => f.severity === 'error').length
  const summary = `${errors} error(s), ${findings.length - errors} warning(s)${suppressed ? `, ${suppressed} accepted by the baseline` : ''}`
  return [...lines, summary].join('\n')
}

async function loadPg(): Promise<{ Pool: typeof import('pg').Pool }> {
  try {
    const mod = await import('pg')
    return mod.default ?? mod
  } catch (error) {
    throw new TenantDbArgumentError('the CLI needs the pg package: npm install pg', error)
  }
}
