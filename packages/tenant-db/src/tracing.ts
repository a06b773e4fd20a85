import { type TracedContext, tracer } from '@rc/internal'
import type { PoolLike } from './queryable'

/**
 * The `node:diagnostics_channel` TracingChannels this package publishes (see "Tracing" in the
 * README): `tracingChannel(tenantDbChannels.query).subscribe({ start, end, asyncStart, asyncEnd, error })`.
 */
export const tenantDbChannels = {
  withTenant: 'rc:tenant-db:withTenant',
  query: 'rc:tenant-db:query',
} as const

/** `rc:tenant-db:withTenant`: one tenant transaction (`withTenant`). */
export interface TenantWithTenantContext extends TracedContext {
  tenantId: string
  /** The `user` setting's value, when `settings` has one and it is set. */
  user?: string
  /** The `role` setting's value, when `settings` has one and it is set. */
  role?: string
  /** The pool's database name, when its options say (`database` or the connection string's path). */
  database: string | undefined
}

/** `rc:tenant-db:query`: one statement (`db.query`, `tx.query`, a `contextPool` client's query). */
export interface TenantQueryContext extends TracedContext {
  tenantId: string
  /** The SQL text as given, placeholders and all: parameter values are never included. */
  text: string
  /** The text's first keyword, upper-cased: `'SELECT'`, `'INSERT'`, `'WITH'`, `'BEGIN'`... */
  operation: string
  /** A node-postgres prepared statement's `name`, when the query config has one. */
  statementName?: string
  database: string | undefined
  /** Result field: rows returned or affected (`null` when the driver does not know). */
  rowCount?: number | null
}

export const tracers = {
  withTenant: tracer<TenantWithTenantContext>(tenantDbChannels.withTenant),
  query: tracer<TenantQueryContext>(tenantDbChannels.query),
}

/** The first SQL keyword after comments and whitespace, upper-cased ('' if there is none). */
export function operationOf(text: string): string {
  const match = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*([A-Za-z]+)/.exec(text)
  return match ? match[1]!.toUpperCase() : ''
}

/** The database a pool connects to, when its options tell (never its URL: that holds the password). */
export function databaseOf(pool: PoolLike): string | undefined {
  const options = (pool as { options?: { database?: unknown; connectionString?: unknown } }).options
  if (typeof options?.database === 'string' && options.database !== '') return options.database
  if (typeof options?.connectionString !== 'string') return undefined
  try {
    return decodeURIComponent(new URL(options.connectionString).pathname.slice(1)) || undefined
  } catch {
    return undefined
  }
}

/**
 * What subscribers see of a failure: a server error's message and detail may quote parameter
 * values (`invalid input syntax for type integer: "..."`, `Key (email)=(...)`), so an error with an
 * SQLSTATE becomes one with the same name, code and severity and a message without them. The
 * caller still gets the original error.
 */
export function publicError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code
  if (!(error instanceof Error) || typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return error
  const severity = (error as { severity?: unknown }).severity
  const shown = new Error(
    `[@rc/tenant-db] the statement failed with SQLSTATE ${code} (the server's message may quote values: only the caller gets it).`,
  )
  shown.name = error.name
  return Object.assign(shown, { code, ...(typeof severity === 'string' ? { severity } : {}) })
}
