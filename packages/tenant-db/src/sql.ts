import { TenantDbArgumentError } from './errors'

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/
/** A custom setting name: PostgreSQL requires a dot in it (`app.current_tenant`). */
const SETTING = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)+$/
/** Type names as `format_type` prints them: `bigint`, `text`, `character varying(64)`, `uuid`. */
const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_ ]*(\([0-9, ]+\))?(\[\])?$/

/** Double-quotes an identifier; quotes inside are doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/**
 * A string literal for `standard_conforming_strings = on` (the default since
 * PostgreSQL 9.1, and what PgBouncer and PGlite use): quotes are doubled,
 * backslashes are plain characters. Callers only pass already-validated text.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new TenantDbArgumentError('a SQL literal cannot contain a NUL byte.')
  return `'${value.replaceAll("'", "''")}'`
}

/** A table named `name` or `schema.name`, each part a plain identifier. */
export interface TableName {
  schema: string
  name: string
  /** `"schema"."name"`, ready to splice into SQL. */
  sql: string
  /** `schema.name`, for messages and finding keys. */
  display: string
}

export function parseTableName(input: string, defaultSchema = 'public'): TableName {
  const parts = input.split('.')
  const [schema, name] = parts.length === 2 ? parts : [defaultSchema, parts[0]]
  if (parts.length > 2 || !schema || !name || !IDENTIFIER.test(schema) || !IDENTIFIER.test(name)) {
    throw new TenantDbArgumentError(
      `table ${JSON.stringify(input)} must be "name" or "schema.name" made of letters, digits and underscores.`,
    )
  }
  return { schema, name, sql: `${quoteIdent(schema)}.${quoteIdent(name)}`, display: `${schema}.${name}` }
}

/** Validates a column or role name and returns it double-quoted. */
export function identifier(input: string, what: string): string {
  if (!IDENTIFIER.test(input)) {
    throw new TenantDbArgumentError(
      `${what} ${JSON.stringify(input)} must start with a letter or underscore and contain only letters, digits, _ and $.`,
    )
  }
  return quoteIdent(input)
}

/** Validates a custom setting name such as `app.current_tenant`. */
export function settingName(input: string): string {
  if (!SETTING.test(input)) {
    throw new TenantDbArgumentError(
      `setting ${JSON.stringify(input)} must be a custom setting name with a dot, such as "app.current_tenant".`,
    )
  }
  return input
}

/** Validates a type name used in a cast, such as `bigint` or `character varying(64)`. */
export function typeName(input: string): string {
  if (!TYPE_NAME.test(input.trim())) {
    throw new TenantDbArgumentError(
      `column type ${JSON.stringify(input)} is not a plain type name such as "bigint".`,
    )
  }
  return input.trim()
}

/** Column names from a catalog `json_agg`: node-postgres parses json, other drivers may hand back text. */
export function columnList(value: unknown): string[] {
  const parsed = typeof value === 'string' ? JSON.parse(value) : value
  return Array.isArray(parsed) ? parsed.map(String) : []
}
