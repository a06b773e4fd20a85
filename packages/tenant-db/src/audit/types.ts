/** Stable codes of audit findings; baselines and CI gates key on them. */
export type FindingCode =
  | 'NO_TENANT_TABLES'
  | 'RLS_DISABLED'
  | 'RLS_NOT_FORCED'
  | 'NO_POLICY'
  | 'POLICY_WITHOUT_WITH_CHECK'
  | 'POLICY_NOT_TENANT_SCOPED'
  | 'POLICY_NOT_INDEX_FRIENDLY'
  | 'POLICY_SETTING_PER_ROW'
  | 'UNIQUE_WITHOUT_TENANT'
  | 'NO_TENANT_INDEX'
  | 'TENANT_COLUMN_NULLABLE'
  | 'FOREIGN_KEY_WITHOUT_TENANT'
  | 'VIEW_NOT_SECURITY_INVOKER'
  | 'MATERIALIZED_VIEW_ON_TENANT_TABLE'
  | 'SECURITY_DEFINER_FUNCTION'
  | 'ROLE_MISSING'
  | 'ROLE_SUPERUSER'
  | 'ROLE_BYPASSRLS'
  | 'ROLE_OWNS_TENANT_TABLE'

/** `error` fails a CI gate; `warning` is reported only. */
export type Severity = 'error' | 'warning'

/** One tenancy mistake found in a live database. */
export interface Finding {
  code: FindingCode
  severity: Severity
  /** What it is about: `schema.table`, `schema.table.constraint`, `schema.view`, `schema.fn(args)` or a role. */
  object: string
  /** What is wrong and why it matters. */
  message: string
  /** SQL that fixes it (review before running; some fixes rewrite constraints). */
  fix: string
  /** `code:object`: stable across runs, used by baselines. */
  key: string
}

/** What every check receives. */
export interface AuditContext {
  column: string
  role: string
  setting: string
  schemas: string[]
  /** Role that should own tenant tables, used in fixes. */
  owner: string
}

/** A tenant table as the catalog describes it. */
export interface TenantTable {
  oid: number
  schema: string
  name: string
  /** `"schema"."name"`. */
  sql: string
  /** `schema.name`. */
  display: string
  rlsEnabled: boolean
  rlsForced: boolean
  columnNotNull: boolean
  /** The tenant column's type as `format_type` prints it, e.g. `bigint`. */
  columnType: string
  hasTenantIndex: boolean
  /** The app role owns the table, directly or through a role it inherits. */
  ownedByRole: boolean
  ownedDirectly: boolean
  owner: string
  /** A SELECT-only policy `(<column> IS NULL)` makes NULL-tenant rows shared (tenantRlsSql's sharedRows). */
  sharedRows: boolean
}

export function finding(
  code: FindingCode,
  severity: Severity,
  object: string,
  message: string,
  fix: string,
): Finding {
  return { code, severity, object, message, fix, key: `${code}:${object}` }
}
