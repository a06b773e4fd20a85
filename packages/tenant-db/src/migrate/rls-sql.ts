import { TenantDbArgumentError } from '../errors'
import {
  identifier,
  parseTableName,
  quoteIdent,
  quoteLiteral,
  settingName,
  type TableName,
  typeName,
} from '../sql'

/** Options of `tenantRlsSql`. */
export interface TenantRlsSqlOptions {
  /** `name` or `schema.name` (default schema `public`). */
  table: string
  /** The tenant column, e.g. `restaurant_id`. */
  column: string
  /** The role the application connects as; it gets SELECT, INSERT, UPDATE, DELETE. */
  role: string
  /** The setting `withTenant` sets. Default `'app.current_tenant'`. */
  setting?: string
  /** The tenant column's type, used to cast the setting. Default: read from the catalog when the DDL runs. */
  columnType?: string
  /** Policy name. Default `'tenant_isolation'`. */
  policy?: string
  /**
   * Emit the form Citus accepts on distributed tables: no subquery around
   * `current_setting`. Default `false`.
   */
  citus?: boolean
  /**
   * More columns that must equal a setting, ANDed with the tenant match, by column:
   * `{ owner_id: 'app.user_id' }` keeps each user to their own rows. Types are read from the
   * catalog when the DDL runs (`columnTypes` to give them).
   */
  match?: Record<string, string>
  /** Types of the `match` columns, for `tenantPredicate` (default `text`). */
  columnTypes?: Record<string, string>
  /**
   * Settings that must hold one of the listed values, ANDed too: `{ 'app.role': ['manager'] }`
   * lets only managers through. With the setting unset, no row passes.
   */
  require?: Record<string, string[]>
  /**
   * Rows whose tenant column is NULL are shared: readable by every tenant, writable by none (a
   * second, SELECT-only policy `<policy>_shared`). Default `false` (the policy is dropped if present).
   */
  sharedRows?: boolean
}

/** One `column = setting` comparison as a `format()` template and its arguments. */
function settingMatch(citus: boolean | undefined): string {
  return citus
    ? '%I = NULLIF(pg_catalog.current_setting(%L, true), %L)::%s'
    : '%I = (SELECT NULLIF(pg_catalog.current_setting(%L, true), %L))::%s'
}

/** `require` as SQL: each setting, read once per statement, must be one of its values. */
function requireSql(require: Record<string, string[]> | undefined, citus: boolean | undefined): string[] {
  return Object.entries(require ?? {}).map(([setting, allowed]) => {
    if (allowed.length === 0)
      throw new TenantDbArgumentError(`require["${setting}"] needs at least one value.`)
    const value = `NULLIF(pg_catalog.current_setting(${quoteLiteral(settingName(setting))}, true), '')`
    return `${citus ? value : `(SELECT ${value})`} IN (${allowed.map(quoteLiteral).join(', ')})`
  })
}

/** The predicate both USING and WITH CHECK use (`columnType` defaults to `text` here). */
export function tenantPredicate(options: Omit<TenantRlsSqlOptions, 'table' | 'role'>): string {
  const compare = (columnName: string, settingText: string, type: string) => {
    const column = identifier(columnName, 'column')
    const setting = quoteLiteral(settingName(settingText))
    const value = `NULLIF(pg_catalog.current_setting(${setting}, true), '')`
    // The scalar subquery becomes an InitPlan: evaluated once per statement, and the
    // comparison stays index-friendly. NULLIF turns the '' a pooled connection keeps
    // after its last tenant into NULL, which matches no row, instead of a cast error.
    return options.citus ? `${column} = ${value}::${type}` : `${column} = (SELECT ${value})::${type}`
  }
  return [
    compare(options.column, options.setting ?? 'app.current_tenant', typeName(options.columnType ?? 'text')),
    ...Object.entries(options.match ?? {}).map(([column, setting]) =>
      compare(column, setting, typeName(options.columnTypes?.[column] ?? 'text')),
    ),
    ...requireSql(options.require, options.citus),
  ].join(' AND ')
}

/**
 * Idempotent DDL that puts one table under tenant row level security: ENABLE
 * and FORCE RLS, one permissive policy for every command with USING and WITH
 * CHECK (`tenantPredicate`), and grants to the app role (including sequences
 * the table owns). Without `columnType` the cast type is read from the catalog
 * when the DDL runs, so the output can be run as is. Running it twice changes
 * nothing; an existing policy of that name is altered in place.
 */
export function tenantRlsSql(options: TenantRlsSqlOptions): string {
  return rlsSqlFor(parseTableName(options.table), options)
}

/**
 * `tenantRlsSql` for a table already named safely: the audit passes names read
 * from the catalog, which may be any quoted identifier (`"orders(v2)"`).
 */
export function rlsSqlFor(table: TableName, options: Omit<TenantRlsSqlOptions, 'table'>): string {
  identifier(options.role, 'role')
  identifier(options.column, 'column')
  const policy = options.policy ?? 'tenant_isolation'
  identifier(policy, 'policy')
  const shared = `${policy}_shared`
  identifier(shared, 'policy')
  const setting = settingName(options.setting ?? 'app.current_tenant')
  const regclass = `${quoteLiteral(table.sql)}::regclass`
  const q = quoteLiteral
  const typeOf = (column: string, given: string | undefined) =>
    given === undefined
      ? `(SELECT pg_catalog.format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
     WHERE attrelid = ${regclass} AND attname = ${q(column)} AND attnum > 0 AND NOT attisdropped)`
      : q(typeName(given))
  const matches: [column: string, setting: string, type: string][] = [
    [options.column, setting, typeOf(options.column, options.columnType)],
    ...Object.entries(options.match ?? {}).map(([column, s]): [string, string, string] => {
      identifier(column, 'column')
      return [column, settingName(s), typeOf(column, options.columnTypes?.[column])]
    }),
  ]
  const declare = matches.map(([, , type], i) => `  type_${i} text := ${type};`).join('\n')
  const checks = matches
    .map(
      ([column], i) => `  IF type_${i} IS NULL THEN
    RAISE EXCEPTION 'table % has no column %', ${q(table.display)}, ${q(column)};
  END IF;`,
    )
    .join('\n')
  // The same text tenantPredicate() returns, with the types filled in by the server.
  const parts = [
    ...matches.map(
      ([column, s], i) =>
        `pg_catalog.format(${q(settingMatch(options.citus))}, ${q(column)}, ${q(s)}, '', type_${i})`,
    ),
    ...requireSql(options.require, options.citus).map((sql) => q(sql)),
  ]
  // NULL-tenant rows, and only while a tenant is set: with none, even shared rows stay hidden.
  const sharedPredicate = `pg_catalog.format('%I IS NULL AND (SELECT NULLIF(pg_catalog.current_setting(%L, true), %L)) IS NOT NULL', ${q(options.column)}, ${q(setting)}, '')`
  const sharedSql = options.sharedRows
    ? `  shared_predicate := ${sharedPredicate};
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_policy WHERE polrelid = ${regclass} AND polname = ${q(shared)}) THEN
    EXECUTE pg_catalog.format('ALTER POLICY %I ON %s TO PUBLIC USING (%s)', ${q(shared)}, ${q(table.sql)}, shared_predicate);
  ELSE
    EXECUTE pg_catalog.format('CREATE POLICY %I ON %s AS PERMISSIVE FOR SELECT TO PUBLIC USING (%s)',
      ${q(shared)}, ${q(table.sql)}, shared_predicate);
  END IF;`
    : `  EXECUTE pg_catalog.format('DROP POLICY IF EXISTS %I ON %s', ${q(shared)}, ${q(table.sql)});`
  return `ALTER TABLE ${table.sql} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${table.sql} FORCE ROW LEVEL SECURITY;
DO $rc_tenant_db$
DECLARE
${declare}
  predicate text;
  shared_predicate text;
BEGIN
${checks}
  predicate := ${parts.join(" || ' AND ' || ")};
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_policy WHERE polrelid = ${regclass} AND polname = ${q(policy)}) THEN
    EXECUTE pg_catalog.format('ALTER POLICY %I ON %s TO PUBLIC USING (%s) WITH CHECK (%s)',
      ${q(policy)}, ${q(table.sql)}, predicate, predicate);
  ELSE
    EXECUTE pg_catalog.format('CREATE POLICY %I ON %s AS PERMISSIVE FOR ALL TO PUBLIC USING (%s) WITH CHECK (%s)',
      ${q(policy)}, ${q(table.sql)}, predicate, predicate);
  END IF;
${sharedSql}
END
$rc_tenant_db$;
${grantsSqlFor(table, options.role)}`
}

/**
 * What the app role needs on a tenant table: the schema, the four DML
 * privileges, and the sequences the table owns (serial columns). Idempotent.
 */
export function tenantGrantsSql(tableName: string, roleName: string): string {
  return grantsSqlFor(parseTableName(tableName), roleName)
}

/** `tenantGrantsSql` for a table already named safely (see `rlsSqlFor`). */
export function grantsSqlFor(table: TableName, roleName: string): string {
  const role = identifier(roleName, 'role')
  const regclass = `${quoteLiteral(table.sql)}::regclass`
  return `GRANT USAGE ON SCHEMA ${quoteIdent(table.schema)} TO ${role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ${table.sql} TO ${role};
DO $rc_tenant_db$
DECLARE seq regclass;
BEGIN
  FOR seq IN SELECT d.objid::regclass FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.objid
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refobjid = ${regclass} AND s.relkind = 'S' LOOP
    EXECUTE pg_catalog.format('GRANT USAGE, SELECT ON SEQUENCE %s TO %I', seq, ${quoteLiteral(roleName)});
  END LOOP;
END
$rc_tenant_db$;
`
}
