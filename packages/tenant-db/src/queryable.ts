/** What a query returns: the subset of `pg.QueryResult` this package relies on. */
export interface QueryResultLike<R = Record<string, unknown>> {
  rows: R[]
  /** Rows returned or affected; `null` when the driver does not know. */
  rowCount: number | null
}

/** Anything that runs a query: a `pg.Pool`, a `pg.PoolClient`, a `pg.Client`, a `tx`. */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResultLike<R>>
}

/** A connection checked out of a pool (`pg.PoolClient` fits). */
export interface PoolClientLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>
  /**
   * Hand the connection back. With an error (or `true`) the pool must destroy
   * it instead of reusing it: `pg.Pool` does.
   */
  release(destroy?: Error | boolean): void
  /** `pg` clients emit `error` when the server drops a checked-out connection. */
  on?(event: 'error', listener: (error: Error) => void): unknown
  removeListener?(event: 'error', listener: (error: Error) => void): unknown
}

/** A pool of connections: `pg.Pool`, or the PGlite adapter from `@rc/tenant-db/pglite`. */
export interface PoolLike {
  connect(): Promise<PoolClientLike>
}
