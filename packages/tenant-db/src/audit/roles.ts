import type { PoolClientLike } from '../queryable'
import { quoteIdent } from '../sql'
import { type AuditContext, type Finding, finding } from './types'

/** The app role itself: missing, superuser or BYPASSRLS all defeat every policy. */
export async function roleFindings(client: PoolClientLike, ctx: AuditContext): Promise<Finding[]> {
  const { rows } = await client.query(
    'SELECT rolsuper AS superuser, rolbypassrls AS bypassrls FROM pg_catalog.pg_roles WHERE rolname = $1',
    [ctx.role],
  )
  const role = quoteIdent(ctx.role)
  const row = rows[0] as { superuser: boolean; bypassrls: boolean } | undefined
  if (!row) {
    return [
      finding(
        'ROLE_MISSING',
        'error',
        ctx.role,
        `the app role ${ctx.role} does not exist, so nothing here was checked against it.`,
        `CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS;`,
      ),
    ]
  }
  const out: Finding[] = []
  if (row.superuser) {
    out.push(
      finding(
        'ROLE_SUPERUSER',
        'error',
        ctx.role,
        `the app role ${ctx.role} is a superuser: superusers bypass row level security entirely.`,
        `ALTER ROLE ${role} NOSUPERUSER;`,
      ),
    )
  }
  if (row.bypassrls) {
    out.push(
      finding(
        'ROLE_BYPASSRLS',
        'error',
        ctx.role,
        `the app role ${ctx.role} has BYPASSRLS: no policy applies to it.`,
        `ALTER ROLE ${role} NOBYPASSRLS;`,
      ),
    )
  }
  return out
}
