import { AsyncLocalStorage } from 'node:async_hooks'
import type { z } from 'zod'
import { TenantNestingError, TenantTxClosedError } from './errors'
import type { PoolLike, Queryable, QueryResultLike } from './queryable'
import { openSession } from './session'
import { quoteLiteral, settingName } from './sql'
import { defaultTenantIdSchema, parseTenantId } from './tenant-id'

/** Options of `createTenantDb`. */
export interface TenantDbOptions {
  /** Where connections come from: a `pg.Pool` (direct or behind PgBouncer) or `pglitePool(...)`. */
  pool: PoolLike
  /** The custom setting the RLS policies read. Default `'app.current_tenant'`. */
  setting?: string
  /** Validates tenant ids before anything reaches the server. Default: 1-64 of `[A-Za-z0-9_-]`. */
  tenantId?: z.ZodType<string>
}

/** The transaction handed to a `withTenant` callback: every query runs as that tenant. */
export interface TenantTx extends Queryable {
  readonly tenantId: string
}

/** Tenant-scoped access to a pool. */
export interface TenantDb {
  /**
   * Runs `fn` in one transaction whose tenant is set transaction-locally;
   * commits when `fn` resolves, rolls back when it throws. Calling it again for
   * the same tenant inside `fn` reuses the open transaction; for another
   * tenant it throws `TenantNestingError`.
   */
  withTenant<T>(tenantId: string, fn: (tx: TenantTx) => Promise<T>): Promise<T>
  /** One query in its own tenant transaction (or in the enclosing one for the same tenant). */
  query<R = Record<string, unknown>>(
    tenantId: string,
    text: string,
    params?: unknown[],
  ): Promise<QueryResultLike<R>>
  /** The tenant of the `withTenant` call the caller is inside, if any. */
  currentTenant(): string | undefined
  /** The setting name policies must read (`current_setting(setting, true)`). */
  readonly setting: string
}

interface Scope {
  tenantId: string
  tx: TenantTx
  open: boolean
}

/**
 * Creates the tenant context. The tenant is set with
 * `BEGIN; SET LOCAL <setting> = '<id>'` in one simple-query message: a bound
 * `set_config($1, $2, true)` would cost a round trip of its own, and the
 * literal is safe because the id is validated first and then quoted. Round
 * trips for N queries: N + 2 (BEGIN, queries, COMMIT); on a node-postgres pool
 * created with `pipeline: true`, N + 1 for `withTenant` and 1 for `query`.
 * Nothing is sent (and no BEGIN) until the first query.
 */
export function createTenantDb(options: TenantDbOptions): TenantDb {
  const { pool } = options
  const setting = settingName(options.setting ?? 'app.current_tenant')
  const schema = options.tenantId ?? defaultTenantIdSchema
  const scopes = new AsyncLocalStorage<Scope>()

  const beginSql = (tenantId: string) => `BEGIN; SET LOCAL ${setting} = ${quoteLiteral(tenantId)}`

  /** The enclosing transaction for the same tenant, if any; another tenant is an error. */
  function enclosing(tenantId: string): Scope | undefined {
    const outer = scopes.getStore()
    if (!outer?.open) return undefined
    if (outer.tenantId !== tenantId) throw new TenantNestingError(outer.tenantId, tenantId)
    return outer
  }

  async function withTenant<T>(input: string, fn: (tx: TenantTx) => Promise<T>): Promise<T> {
    const tenantId = parseTenantId(schema, input)
    const outer = enclosing(tenantId)
    if (outer) return fn(outer.tx)

    const session = await openSession(pool, beginSql(tenantId))
    const scope: Scope = {
      tenantId,
      open: true,
      tx: {
        tenantId,
        async query<R>(text: string, params?: unknown[]) {
          if (!scope.open) throw new TenantTxClosedError(tenantId)
          return (await session.query(text, params)) as QueryResultLike<R>
        },
      },
    }
    try {
      const result = await scopes.run(scope, () => fn(scope.tx))
      scope.open = false
      await session.commit()
      return result
    } catch (error) {
      scope.open = false
      await session.abort()
      throw error
    }
  }

  async function query<R>(input: string, text: string, params?: unknown[]): Promise<QueryResultLike<R>> {
    const tenantId = parseTenantId(schema, input)
    const outer = enclosing(tenantId)
    if (outer) return outer.tx.query<R>(text, params)
    const session = await openSession(pool, beginSql(tenantId))
    return (await session.once(text, params)) as QueryResultLike<R>
  }

  return {
    setting,
    withTenant,
    query,
    currentTenant: () => {
      const scope = scopes.getStore()
      return scope?.open ? scope.tenantId : undefined
    },
  }
}
