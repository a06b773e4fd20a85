import { TenantRoleError } from './errors'
import type { PoolClientLike } from './queryable'
import { columnList, quoteIdent } from './sql'

/** What the start guard found out about the role a pool connects as. */
export interface RoleCheck {
  /** `current_user` on the pool's connections (after any `SET ROLE` of the pool). */
  role: string
  superuser: boolean
  bypassRls: boolean
  /**
   * Tenant tables (RLS enabled, or a policy reading the tenant setting) the role owns, directly or
   * through a role it inherits, as `schema.name`.
   */
  ownedTables: string[]
}

// One statement, so it runs as one exchange even behind PgBouncer in transaction mode.
const CHECK_SQL = `SELECT current_user::text AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls,
  (SELECT pg_catalog.json_agg(n.nspname || '.' || c.relname ORDER BY n.nspname, c.relname)
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE')
      AND (c.relrowsecurity OR EXISTS (
        SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid
           AND pg_catalog.strpos(COALESCE(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '') || ' ' ||
                 COALESCE(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), ''), $1) > 0))) AS owned
  FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`

/** Reads the role's attributes and the tenant tables it owns; `setting` is the tenant setting policies read. */
export async function checkRole(client: PoolClientLike, setting: string): Promise<RoleCheck> {
  const { rows } = await client.query(CHECK_SQL, [setting])
  const row = rows[0] as { role: string; superuser: boolean; bypassrls: boolean; owned: unknown } | undefined
  if (!row) return { role: 'unknown', superuser: false, bypassRls: false, ownedTables: [] }
  return {
    role: row.role,
    superuser: row.superuser === true,
    bypassRls: row.bypassrls === true,
    ownedTables: columnList(row.owned),
  }
}

/** Throws `TenantRoleError` when the role would bypass RLS. */
export function assertSafeRole(check: RoleCheck): void {
  const reasons: string[] = []
  const fixes: string[] = []
  const role = quoteIdent(check.role)
  if (check.superuser) {
    reasons.push('is a superuser')
    fixes.push(`ALTER ROLE ${role} NOSUPERUSER`)
  }
  if (check.bypassRls) {
    reasons.push('has BYPASSRLS')
    fixes.push(`ALTER ROLE ${role} NOBYPASSRLS`)
  }
  if (check.ownedTables.length > 0) {
    const shown = check.ownedTables.slice(0, 5).join(', ')
    const more = check.ownedTables.length > 5 ? ` and ${check.ownedTables.length - 5} more` : ''
    reasons.push(`owns the tenant tables ${shown}${more}`)
    fixes.push('ALTER TABLE ... OWNER TO the migration role, then grant the app role DML only')
  }
  if (reasons.length > 0) throw new TenantRoleError(check.role, reasons, fixes.join('; '))
}

/**
 * Runs the check once per TenantDb, on the first connection it gets. A failure to run it (a
 * dropped connection) is retried on the next connection; a verdict is kept.
 */
export function createGuard(setting: string, enabled: boolean) {
  let verdict: Promise<RoleCheck> | undefined
  return {
    enabled,
    /** Resolves when `client`'s role is safe (checking it if no verdict exists yet). */
    async ensure(client: PoolClientLike): Promise<void> {
      if (!enabled) return
      if (!verdict) {
        const running = checkRole(client, setting)
        verdict = running
        running.catch(() => {
          if (verdict === running) verdict = undefined
        })
      }
      assertSafeRole(await verdict)
    },
    /** Checks now on `client`, whatever was found before. */
    async check(client: PoolClientLike): Promise<RoleCheck> {
      const result = await checkRole(client, setting)
      verdict = Promise.resolve(result)
      return result
    },
  }
}
