import { AsyncLocalStorage } from 'node:async_hooks'
import type { z } from 'zod'
import { asError } from './connection'
import { TenantNestingError, TenantTxClosedError } from './errors'
import type { PoolClientLike, PoolLike, Queryable, QueryResultLike } from './queryable'
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
 * Creates the tenant context. Each `withTenant` costs N + 2 round trips for N
 * queries: `BEGIN; SET LOCAL <setting> = '<id>'` travels as one simple-query
 * message, then the queries, then `COMMIT`. A bound `set_config($1, $2, true)`
 * would need its own round trip because node-postgres does not pipeline; the
 * literal is safe because the id is validated first and then quoted.
 */
export function createTenantDb(options: TenantDbOptions): TenantDb {
  const { pool } = options
  const setting = settingName(options.setting ?? 'app.current_tenant')
  const schema = options.tenantId ?? defaultTenantIdSchema
  const scopes = new AsyncLocalStorage<Scope>()

  function openTx(client: PoolClientLike, tenantId: string, scope: { open: boolean }): TenantTx {
    return {
      tenantId,
      async query<R>(text: string, params?: unknown[]) {
        if (!scope.open) throw new TenantTxClosedError(tenantId)
        return (await client.query(text, params)) as QueryResultLike<R>
      },
    }
  }

  async function withTenant<T>(input: string, fn: (tx: TenantTx) => Promise<T>): Promise<T> {
    const tenantId = parseTenantId(schema, input)
    const outer = scopes.getStore()
    if (outer?.open) {
      if (outer.tenantId !== tenantId) throw new TenantNestingError(outer.tenantId, tenantId)
      return fn(outer.tx)
    }

    const client = await pool.connect()
    // A dropped connection also rejects the pending query; without a listener the
    // client's 'error' event would crash the process.
    let lost: Error | undefined
    const onError = (error: Error) => {
      lost = error
    }
    client.on?.('error', onError)
    const release = (error?: Error) => {
      const broken = error ?? lost
      // A destroyed client may still emit its 'error' late: keep the listener on it.
      if (!broken) client.removeListener?.('error', onError)
      client.release(broken)
    }
    try {
      await client.query(`BEGIN; SET LOCAL ${setting} = ${quoteLiteral(tenantId)}`)
    } catch (error) {
      // The connection's state is unknown (maybe half inside a transaction): never reuse it.
      release(asError(error))
      throw error
    }

    const scope = { tenantId, open: true } as Scope
    scope.tx = openTx(client, tenantId, scope)
    try {
      const result = await scopes.run(scope, () => fn(scope.tx))
      scope.open = false
      await client.query('COMMIT')
      release()
      return result
    } catch (error) {
      scope.open = false
      try {
        await client.query('ROLLBACK')
      } catch (rollbackError) {
        // A connection that cannot roll back may still hold the tenant: the pool must destroy it.
        release(asError(rollbackError))
        throw error
      }
      release()
      throw error
    }
  }

  return {
    setting,
    withTenant,
    query: (tenantId, text, params) => withTenant(tenantId, (tx) => tx.query(text, params)),
    currentTenant: () => {
      const scope = scopes.getStore()
      return scope?.open ? scope.tenantId : undefined
    },
  }
}
