import type { PoolClientLike, PoolLike, QueryResultLike } from './queryable'
import { identifier } from './sql'

interface PgliteResults {
  rows: unknown[]
  affectedRows?: number
  fields: unknown[]
}

/** The part of an `@electric-sql/pglite` `PGlite` instance the adapter uses. */
export interface PGliteLike {
  query(text: string, params?: unknown[]): Promise<PgliteResults>
  exec(text: string): Promise<PgliteResults[]>
}

/** Options of `pglitePool`. */
export interface PglitePoolOptions {
  /**
   * Role every checked-out connection runs as (`SET ROLE` on checkout,
   * `RESET ROLE` on release). PGlite's only user is a superuser, and
   * superusers bypass RLS: set this to a NOLOGIN role without superuser or
   * BYPASSRLS for the app's tenant pool. Default: none (stay superuser, for
   * migrations and the audit).
   */
  role?: string
}

/** A PGlite instance seen as a pool: `createTenantDb`, `applyTenantRls`, `runMigrations` and `auditTenancy` accept it. */
export interface PglitePool extends PoolLike {
  /** One query on a checked-out connection. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResultLike<R>>
}

/**
 * Adapts one PGlite instance (a single session) to the pool interface.
 * Checkouts are serialized: a second `connect()` waits until the first
 * connection is released, so transactions never interleave. Queries without
 * parameters go through `exec` (the simple-query protocol), which is what lets
 * `BEGIN; SET LOCAL ...` travel as one message, as it does with node-postgres.
 * Do not run queries on the same instance outside the adapter while it is in use.
 */
export function pglitePool(db: PGliteLike, options: PglitePoolOptions = {}): PglitePool {
  const role = options.role === undefined ? undefined : identifier(options.role, 'role')
  let tail: Promise<void> = Promise.resolve()

  async function run(text: string, params?: unknown[]): Promise<QueryResultLike<unknown>> {
    const result = params && params.length > 0 ? await db.query(text, params) : (await db.exec(text)).at(-1)
    if (!result) return { rows: [], rowCount: null }
    return {
      rows: result.rows,
      rowCount: result.fields.length > 0 ? result.rows.length : (result.affectedRows ?? 0),
    }
  }

  async function connect(): Promise<PoolClientLike> {
    let free!: () => void
    const previous = tail
    tail = new Promise<void>((resolve) => {
      free = resolve
    })
    await previous
    let released = false
    try {
      if (role) await run(`SET ROLE ${role}`)
    } catch (error) {
      free()
      throw error
    }
    return {
      query: (text, params) => {
        if (released)
          return Promise.reject(new Error('[@rc/tenant-db] this PGlite connection was already released.'))
        return run(text, params)
      },
      release(destroy) {
        if (released) return
        released = true
        // The single session cannot be destroyed; a broken one is rolled back and reset instead.
        const cleanup = async () => {
          if (destroy) await run('ROLLBACK').catch(() => undefined)
          if (role) await run('RESET ROLE').catch(() => undefined)
        }
        void cleanup().finally(free)
      },
    }
  }

  return {
    connect,
    async query<R>(text: string, params?: unknown[]) {
      const client = await connect()
      try {
        return (await client.query(text, params)) as QueryResultLike<R>
      } finally {
        client.release()
      }
    },
  }
}
