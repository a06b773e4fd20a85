import type { PoolClientLike, QueryResultLike } from './queryable'

/**
 * The parts of node-postgres's `Query` class (`pg.Query`) this file extends: the documented
 * submittable that `client.query(submittable)` accepts.
 */
interface PgQuery {
  submit(connection: PgConnection): Error | null
  handleDataRow(msg: unknown): void
  handleCommandComplete(msg: unknown, connection: PgConnection): void
  callback?: (error: Error | null, result?: unknown) => void
}
interface PgConnection {
  parse(msg: { text: string; name?: string; types?: unknown[] }): void
  bind(msg: { portal?: string; statement?: string; values: unknown[] }): void
  execute(msg: { portal?: string; rows?: number }): void
  stream: { cork?: () => void; uncork?: () => void }
}
/** What `client.query` accepts as its first argument: SQL text or a node-postgres query config. */
export type QueryConfigLike =
  | string
  | { text: string; values?: unknown[]; rowMode?: string; types?: unknown; name?: string }
type PgQueryClass = new (config: Exclude<QueryConfigLike, string> & { queryMode?: 'extended' }) => PgQuery

/** One statement of a prefix: text and bound values. */
export interface Statement {
  text: string
  values: string[]
}

const subclasses = new WeakMap<PgQueryClass, PgQueryClass>()

/**
 * A query preceded by `SELECT set_config(..., true)` in the same extended-protocol pipeline,
 * with one Sync at the end: PostgreSQL runs every statement before a Sync as one implicit
 * transaction, so the settings hold for the query and are gone when it commits. One round trip,
 * no BEGIN or COMMIT. If set_config fails, the server skips everything up to the Sync, so the
 * query never runs without its tenant.
 */
function tenantQueryClass(Query: PgQueryClass): PgQueryClass {
  let cls = subclasses.get(Query)
  if (cls) return cls
  cls = class TenantQuery extends (Query as new (...args: never[]) => PgQuery) {
    prefix!: Statement[]
    /** Prefix statements whose CommandComplete has not arrived yet: their rows are not the caller's. */
    pending = 0
    override submit(connection: PgConnection): Error | null {
      this.pending = this.prefix.length
      connection.stream.cork?.()
      try {
        for (const statement of this.prefix) {
          connection.parse({ text: statement.text, name: '', types: [] })
          connection.bind({ portal: '', statement: '', values: statement.values })
          connection.execute({ portal: '', rows: 0 })
        }
        // Query#submit writes Parse, Bind, Describe, Execute and the Sync that closes both.
        return super.submit(connection)
      } finally {
        connection.stream.uncork?.()
      }
    }
    override handleDataRow(msg: unknown): void {
      if (this.pending === 0) super.handleDataRow(msg)
    }
    override handleCommandComplete(msg: unknown, connection: PgConnection): void {
      if (this.pending > 0) this.pending--
      else super.handleCommandComplete(msg, connection)
    }
  } as unknown as PgQueryClass
  subclasses.set(Query, cls)
  return cls
}

/** The `pg.Query` class of a node-postgres client that sits idle (not inside a transaction block). */
function pgQueryOf(client: PoolClientLike): PgQueryClass | undefined {
  const c = client as { constructor?: { Query?: unknown }; getTransactionStatus?: () => string | null }
  const Query = c.constructor?.Query
  if (typeof Query !== 'function' || typeof c.getTransactionStatus !== 'function') return undefined
  // Inside an open block, set_config(..., true) would outlive the query: only an idle connection qualifies.
  return c.getTransactionStatus() === 'I' ? (Query as PgQueryClass) : undefined
}

/** True when `client` is an idle node-postgres client, so `prefixedQuery` can run on it. */
export function canPrefix(client: PoolClientLike): boolean {
  return pgQueryOf(client) !== undefined
}

/**
 * Sends the `prefix` statements and then the caller's statement, all before one Sync, in one
 * write; resolves with the caller's result alone. Without a BEGIN in the prefix the whole is one
 * implicit transaction; with one, the transaction stays open after it (and this saved the round
 * trip BEGIN would have cost). `undefined` when `client` is not an idle node-postgres client.
 */
export function prefixedQuery(
  client: PoolClientLike,
  prefix: Statement[],
  config: QueryConfigLike,
  params: unknown[] | undefined,
): Promise<QueryResultLike<unknown>> | undefined {
  const Query = pgQueryOf(client)
  if (!Query) return undefined
  const Tenant = tenantQueryClass(Query)
  const base = typeof config === 'string' ? { text: config } : config
  const values = params ?? base.values ?? []
  const query = new Tenant({ ...base, values, queryMode: 'extended' }) as PgQuery & { prefix: Statement[] }
  query.prefix = prefix
  return new Promise((resolve, reject) => {
    query.callback = (error, result) => (error ? reject(error) : resolve(result as QueryResultLike<unknown>))
    ;(client as unknown as { query(q: unknown): unknown }).query(query)
  })
}

/** One statement with `settings` (a set_config statement) in one implicit transaction. */
export function implicitTxQuery(
  client: PoolClientLike,
  settings: Statement,
  config: QueryConfigLike,
  params: unknown[] | undefined,
): Promise<QueryResultLike<unknown>> | undefined {
  return prefixedQuery(client, [settings], config, params)
}
