import { withClient } from '../connection'
import type { PoolLike } from '../queryable'
import { identifier, settingName } from '../sql'
import type { AuditBaseline } from './baseline'
import { type PolicyPlan, planFindings } from './plans'
import { policyFindings } from './policies'
import { foreignKeyFindings, functionFindings, viewFindings } from './relations'
import { roleFindings } from './roles'
import { loadTenantTables, tableFindings } from './tables'
import { type AuditContext, type Finding, finding } from './types'
import { uniqueFindings } from './uniques'

/** Options of `auditTenancy`. */
export interface AuditTenancyOptions {
  /** The tenant column: every table that has it is a tenant table. */
  column: string
  /** The role the application connects as. */
  role: string
  /** The setting policies must read. Default `'app.current_tenant'`. */
  setting?: string
  /** Schemas to audit. Default `['public']`. */
  schemas?: string[]
  /** Role that should own tenant tables, used in ownership fixes. Default: the auditing session's user. */
  owner?: string
  /** Accepted findings: they move from `findings` to `suppressed`. */
  baseline?: AuditBaseline
}

/** The audit's answer. */
export interface AuditResult {
  /** Findings not in the baseline, sorted by key. */
  findings: Finding[]
  /** Findings the baseline accepted. */
  suppressed: Finding[]
  /** Tenant tables examined, as `schema.name`. */
  tables: string[]
  /** For each table under RLS: whether its policies stay index-friendly, with the EXPLAIN that shows it. */
  plans: PolicyPlan[]
}

/**
 * Reads the catalog of a live database and reports every tenancy mistake it
 * knows, each with SQL that fixes it. Read-only; connect as an admin (the app
 * role may not see every catalog detail it needs).
 */
export async function auditTenancy(pool: PoolLike, options: AuditTenancyOptions): Promise<AuditResult> {
  identifier(options.column, 'column')
  identifier(options.role, 'role')
  const schemas = options.schemas ?? ['public']
  for (const schema of schemas) identifier(schema, 'schema')
  const setting = settingName(options.setting ?? 'app.current_tenant')

  const all = await withClient(pool, async (client) => {
    const owner =
      options.owner ?? String(((await client.query('SELECT session_user AS u')).rows[0] as { u: string }).u)
    const ctx: AuditContext = { column: options.column, role: options.role, setting, schemas, owner }
    const tables = await loadTenantTables(client, ctx)
    const found: Finding[] = [...(await roleFindings(client, ctx)), ...tableFindings(tables, ctx)]
    if (tables.length === 0) {
      found.push(
        finding(
          'NO_TENANT_TABLES',
          'warning',
          schemas.join(','),
          `no table in ${schemas.join(', ')} has a ${options.column} column: check --column and --schemas.`,
          '-- nothing to fix in SQL: point the audit at the tenant column and schemas you use',
        ),
      )
    }
    for (const check of [
      policyFindings,
      uniqueFindings,
      foreignKeyFindings,
      viewFindings,
      functionFindings,
    ]) {
      found.push(...(await check(client, tables, ctx)))
    }
    const planned = await planFindings(client, tables, ctx)
    found.push(...planned.findings)
    return { found, tables: tables.map((t) => t.display), plans: planned.plans }
  })

  const accepted = new Set(options.baseline?.findings ?? [])
  const sorted = all.found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return {
    findings: sorted.filter((f) => !accepted.has(f.key)),
    suppressed: sorted.filter((f) => accepted.has(f.key)),
    tables: all.tables,
    plans: all.plans,
  }
}

/** True when any finding is error-level: what fails a CI gate. */
export function hasErrors(findings: Finding[]): boolean {
  return findings.some((f) => f.severity === 'error')
}
