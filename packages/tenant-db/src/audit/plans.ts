import { rlsSqlFor } from '../migrate/rls-sql'
import type { PoolClientLike } from '../queryable'
import { type AuditContext, type Finding, finding, type TenantTable } from './types'

/** How the planner runs a tenant-filtered read of one table. */
export interface PolicyPlan {
  table: string
  /** The policy's comparison is an index condition on the tenant column. */
  indexFriendly: boolean
  /** The setting is read once per statement (InitPlan or index condition), never in a per-row Filter. */
  settingOncePerStatement: boolean
  /** `EXPLAIN (COSTS OFF)` of `SELECT * FROM <table> WHERE <its policies>`, sequential scans disabled. */
  explain: string
}

interface SelectPolicy {
  table_oid: number
  permissive: boolean
  qual: string | null
}

/**
 * Explains a read of each RLS table filtered by its SELECT policies (what RLS adds to every
 * query), with `enable_seqscan = off` so that a table too small to index still shows whether it
 * could: a cast on the column (`restaurant_id::text = ...`) leaves a Seq Scan, and a setting
 * outside a subquery or an index condition shows up in a per-row Filter.
 */
export async function planFindings(
  client: PoolClientLike,
  tables: TenantTable[],
  ctx: AuditContext,
): Promise<{ plans: PolicyPlan[]; findings: Finding[] }> {
  const protectedTables = tables.filter((t) => t.rlsEnabled)
  if (protectedTables.length === 0) return { plans: [], findings: [] }
  const { rows } = await client.query(
    `SELECT p.polrelid::int AS table_oid, p.polpermissive AS permissive,
            pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual
       FROM pg_catalog.pg_policy p WHERE p.polrelid = ANY($1::oid[]) AND p.polcmd IN ('*', 'r')`,
    [protectedTables.map((t) => t.oid)],
  )
  const policies = rows as SelectPolicy[]
  const plans: PolicyPlan[] = []
  const findings: Finding[] = []
  for (const t of protectedTables) {
    const own = policies.filter((p) => Number(p.table_oid) === t.oid && p.qual)
    const permissive = own.filter((p) => p.permissive).map((p) => `(${p.qual})`)
    if (permissive.length === 0) continue
    const restrictive = own.filter((p) => !p.permissive).map((p) => `(${p.qual})`)
    const where = [`(${permissive.join(' OR ')})`, ...restrictive].join(' AND ')
    let explain: string
    try {
      explain = await explainRead(client, t, ctx, `SELECT * FROM ${t.sql} WHERE ${where}`)
    } catch (error) {
      plans.push({
        table: t.display,
        indexFriendly: false,
        settingOncePerStatement: false,
        explain: `-- could not explain: ${(error as Error).message}`,
      })
      continue
    }
    // A full index scan with the comparison in a Filter is no better than a Seq Scan: only an
    // index condition on the tenant column counts.
    const indexFriendly = explain
      .split('\n')
      .some((line) => line.includes('Index Cond:') && line.includes(ctx.column))
    const settingOncePerStatement = !explain
      .split('\n')
      .some((line) => /(^|\s)Filter:/.test(line) && line.includes('current_setting'))
    plans.push({ table: t.display, indexFriendly, settingOncePerStatement, explain })
    const fix = rlsSqlFor(t, {
      column: ctx.column,
      role: ctx.role,
      setting: ctx.setting,
      columnType: t.columnType,
    })
    if (!indexFriendly && t.hasTenantIndex) {
      findings.push(
        finding(
          'POLICY_NOT_INDEX_FRIENDLY',
          'warning',
          t.display,
          `the policies of ${t.display} cannot use its ${ctx.column} index (a cast on the column, or a function around it): every query scans the whole table.\n${explain}`,
          fix,
        ),
      )
    }
    if (!settingOncePerStatement) {
      findings.push(
        finding(
          'POLICY_SETTING_PER_ROW',
          'warning',
          t.display,
          `the policies of ${t.display} read ${ctx.setting} in a per-row filter; wrap it as (SELECT current_setting(...)) so it is evaluated once per statement.\n${explain}`,
          fix,
        ),
      )
    }
  }
  return { plans, findings }
}

/** A tenant id the column's type accepts: one from the table, or a zero value. */
function sampleTenant(type: string): string {
  if (type === 'uuid') return '00000000-0000-0000-0000-000000000000'
  return /int|numeric|decimal|real|double/.test(type) ? '0' : 'audit'
}

async function explainRead(
  client: PoolClientLike,
  t: TenantTable,
  ctx: AuditContext,
  sql: string,
): Promise<string> {
  await client.query('BEGIN')
  try {
    await client.query('SET LOCAL enable_seqscan = off')
    // A policy that reads the setting without missing_ok fails to plan while it is unset; the plan
    // does not depend on the value (the planner cannot see through current_setting).
    await client.query('SELECT pg_catalog.set_config($1, $2, true)', [
      ctx.setting,
      sampleTenant(t.columnType),
    ])
    const { rows } = await client.query(`EXPLAIN (COSTS OFF) ${sql}`)
    return (rows as Record<string, string>[]).map((r) => r['QUERY PLAN']).join('\n')
  } finally {
    await client.query('ROLLBACK')
  }
}
