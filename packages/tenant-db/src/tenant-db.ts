import { trace } from '@rc/internal'
import type { z } from 'zod'
import { type ContextPool, createContextPool } from './context/context-pool'
import { createSettings, type TenantInput, type TenantValues } from './context/settings'
import { currentFrame, openTxOf, type TenantFrame, tenantStorage } from './context/storage'
import { TenantContextMissingError, TenantNestingError, TenantRoleError, TenantTxClosedError } from './errors'
import { assertSafeRole, createGuard, type RoleCheck } from './guard'
import { implicitTxQuery } from './implicit-tx'
import type { PoolLike, Queryable, QueryResultLike } from './queryable'
import { type Lease, lease, openSession } from './session'
import { defaultTenantIdSchema } from './tenant-id'
import { databaseOf, operationOf, publicError, type TenantQueryContext, tracers } from './tracing'

/** Options of `createTenantDb`. `K` names the settings (`'tenant'` alone unless `settings` adds more). */
export interface TenantDbOptions<K extends string = 'tenant'> {
  /** Where connections come from: a `pg.Pool` (direct or behind PgBouncer) or `pglitePool(...)`. */
  pool: PoolLike
  /** The custom setting the RLS policies read. Default `'app.current_tenant'`. Shorthand for `settings: { tenant }`. */
  setting?: string
  /**
   * Every value a context carries, by name, and the setting it is stored in:
   * `{ tenant: 'app.current_tenant', user: 'app.user_id', role: 'app.role' }`. All are set
   * transaction-locally in the same message; a value not given is set to `''`.
   */
  settings?: { tenant: string } & Record<K, string>
  /** Validates tenant ids before anything reaches the server. Default: 1-64 of `[A-Za-z0-9_-]`. */
  tenantId?: z.ZodType<string>
  /** Validates the other settings' values, by name. Default for each: the tenant id rule. */
  schemas?: Partial<Record<Exclude<K, 'tenant'>, z.ZodType<string>>>
  /**
   * Skip the start guard that refuses a role which is superuser, has BYPASSRLS or owns a tenant
   * table. Default `false`: only for a pool that must bypass RLS on purpose (an admin tool).
   */
  allowPrivilegedRole?: boolean
}

/** The transaction handed to a `withTenant` callback: every query runs as that tenant. */
export interface TenantTx extends Queryable {
  readonly tenantId: string
}

/** Tenant-scoped access to a pool. */
export interface TenantDb<K extends string = 'tenant'> {
  /**
   * Runs `fn` in one transaction whose tenant (and other settings) are set transaction-locally;
   * commits when `fn` resolves, rolls back when it throws. Without a tenant argument it uses the
   * current `runAsTenant` context. Inside a context or `withTenant` for the same values it reuses
   * the open transaction; for other values it throws `TenantNestingError`.
   */
  withTenant<T>(tenant: TenantInput<K>, fn: (tx: TenantTx) => Promise<T>): Promise<T>
  withTenant<T>(fn: (tx: TenantTx) => Promise<T>): Promise<T>
  /**
   * One statement as `tenant`. Without a tenant argument it runs in the current context, and
   * outside any context it fails with `TenantContextMissingError`. On a node-postgres pool the
   * settings and the statement travel before one Sync: one implicit transaction, one round trip.
   */
  query<R = Record<string, unknown>>(
    tenant: TenantInput<K>,
    text: string,
    params?: unknown[],
  ): Promise<QueryResultLike<R>>
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResultLike<R>>
  /**
   * Runs `fn` with `tenant` as the request's context (AsyncLocalStorage, one per process): code
   * inside calls `db.query(sql, params)` and `db.withTenant(fn)` without a tenant. Opens no
   * transaction by itself. A nested call for other values throws `TenantNestingError`.
   */
  runAsTenant<T>(tenant: TenantInput<K>, fn: () => T | Promise<T>): Promise<T>
  /** The tenant of the context the caller is inside, if any. */
  currentTenant(): string | undefined
  /** All values of the current context, if any. */
  currentValues(): Readonly<TenantValues<K>> | undefined
  /**
   * Runs the start guard now, on a connection of its own, and returns what it found; throws
   * `TenantRoleError` for an unsafe role (unless `allowPrivilegedRole`). Call it at boot to fail
   * before the first request; otherwise the first connection checks.
   */
  verifyRole(): Promise<RoleCheck>
  /**
   * A pool for libraries that speak node-postgres (ORMs, query builders): each connection binds
   * itself to the current context; `BEGIN` gets the settings in the same message, a statement
   * outside a transaction runs with them in one implicit transaction.
   */
  readonly contextPool: ContextPool
  /** The setting name policies must read for the tenant (`current_setting(setting, true)`). */
  readonly setting: string
  /** Every setting name by key. */
  readonly settings: Readonly<Record<K, string>>
}

/**
 * Creates the tenant context. In `withTenant` the settings are set with
 * `BEGIN; SET LOCAL <setting> = '<id>'` in one simple-query message: the literal is safe because
 * every value is validated first and then quoted. Round trips for N queries: N + 2 (BEGIN,
 * queries, COMMIT), N + 1 on a node-postgres pool created with `pipeline: true`. Nothing is sent
 * (and no BEGIN) until the first query. `query` is one round trip on node-postgres.
 */
export function createTenantDb<K extends string = 'tenant'>(options: TenantDbOptions<K>): TenantDb<K> {
  const { pool } = options
  const settings = createSettings(options.settings ?? { tenant: options.setting ?? 'app.current_tenant' }, {
    ...(options.schemas as Record<string, z.ZodType<string>>),
    tenant: options.tenantId ?? defaultTenantIdSchema,
  })
  const guard = createGuard(settings.names.tenant!, options.allowPrivilegedRole !== true)
  /** Identity of this TenantDb in context frames: which open transaction is ours. */
  const owner = {}
  const database = databaseOf(pool)

  /** Runs one statement inside an `rc:tenant-db:query` trace when someone listens. */
  function tracedQuery<R>(
    tenantId: string,
    text: string,
    statementName: string | undefined,
    run: () => Promise<R>,
  ): Promise<R> {
    if (!tracers.query.hasSubscribers) return run()
    const context: TenantQueryContext = {
      tenantId,
      text: String(text),
      operation: operationOf(String(text)),
      ...(statementName === undefined ? {} : { statementName }),
      database,
    }
    return trace(
      tracers.query,
      context,
      async () => {
        const result = await run()
        context.rowCount = (result as { rowCount?: number | null } | undefined)?.rowCount ?? null
        return result
      },
      publicError,
    )
  }

  /**
   * The values to run with: `input` resolved, checked against the enclosing context. A bare
   * tenant id inside a context for that tenant inherits the context's other values.
   */
  function valuesFor(input: unknown): { values: Record<string, string>; outer?: TenantFrame } {
    const outer = currentFrame()
    if (input === undefined) {
      if (!outer) throw new TenantContextMissingError()
      return { values: settings.resolve(settings.fromFrame(outer.values)), outer }
    }
    const values = settings.resolve(input)
    if (!outer) return { values }
    const around = settings.fromFrame(outer.values)
    if (typeof input === 'string' && around.tenant === values.tenant) return { values: around, outer }
    if (!settings.same(around, values)) throw new TenantNestingError(around.tenant ?? '', values.tenant!)
    return { values, outer }
  }

  async function checkout(): Promise<Lease> {
    const held = lease(await pool.connect())
    try {
      await guard.ensure(held.client)
    } catch (error) {
      held.release(error instanceof TenantRoleError ? undefined : (error as Error))
      throw error
    }
    return held
  }

  async function runTx<T>(
    values: Record<string, string>,
    outer: TenantFrame | undefined,
    fn: (tx: TenantTx) => Promise<T>,
  ): Promise<T> {
    const reuse = openTxOf<TenantTx>(owner)
    if (reuse) return fn(reuse)
    const session = openSession(await checkout(), settings.beginSql(values), [
      { text: 'BEGIN', values: [] },
      settings.setConfig(values),
    ])
    let open = true
    const tenantId = values.tenant!
    const tx: TenantTx = {
      tenantId,
      query<R>(text: string, params?: unknown[]) {
        return tracedQuery(tenantId, text, undefined, async () => {
          if (!open) throw new TenantTxClosedError(tenantId)
          return (await session.query(text, params)) as QueryResultLike<R>
        })
      },
    }
    const frame: TenantFrame = {
      values: { ...outer?.values, ...values },
      owner,
      tx,
      isOpen: () => open,
      ...(outer ? { parent: outer } : {}),
    }
    try {
      const result = await tenantStorage.run(frame, async () => await fn(tx))
      open = false
      await session.commit()
      return result
    } catch (error) {
      open = false
      await session.abort()
      throw error
    }
  }

  async function queryOnce(values: Record<string, string>, text: string, params?: unknown[]) {
    const held = await checkout()
    const fast = implicitTxQuery(held.client, settings.setConfig(values), text, params)
    if (!fast) return openSession(held, settings.beginSql(values)).once(text, params)
    try {
      const result = await fast
      held.release()
      return result
    } catch (error) {
      // The implicit transaction ended with the error (rolled back at Sync); the connection is idle
      // and clean unless the socket died, which `lease` notices.
      held.release()
      throw error
    }
  }

  const db: TenantDb<K> = {
    setting: settings.names.tenant!,
    settings: settings.names as Record<K, string>,
    withTenant<T>(a: unknown, b?: (tx: TenantTx) => Promise<T>): Promise<T> {
      return Promise.resolve().then(() => {
        const fn = (typeof a === 'function' ? a : b) as (tx: TenantTx) => Promise<T>
        const { values, outer } = valuesFor(typeof a === 'function' ? undefined : a)
        if (!tracers.withTenant.hasSubscribers) return runTx(values, outer, fn)
        const context = {
          tenantId: values.tenant!,
          ...(values.user ? { user: values.user } : {}),
          ...(values.role ? { role: values.role } : {}),
          database,
        }
        return trace(tracers.withTenant, context, () => runTx(values, outer, fn), publicError)
      })
    },
    query<R>(a: unknown, b?: unknown, c?: unknown[]): Promise<QueryResultLike<R>> {
      return Promise.resolve().then(async () => {
        const withTenantArg = typeof b === 'string'
        const text = (withTenantArg ? b : a) as string
        const params = (withTenantArg ? c : b) as unknown[] | undefined
        const { values } = valuesFor(withTenantArg ? a : undefined)
        const open = openTxOf<TenantTx>(owner)
        if (open) return open.query<R>(text, params)
        const result = tracedQuery(values.tenant!, text, undefined, () => queryOnce(values, text, params))
        return (await result) as QueryResultLike<R>
      })
    },
    runAsTenant<T>(tenant: TenantInput<K>, fn: () => T | Promise<T>): Promise<T> {
      return Promise.resolve().then(() => {
        const { values, outer } = valuesFor(tenant)
        if (outer && settings.same(settings.fromFrame(outer.values), values))
          return (async () => await fn())()
        // Awaited inside the frame: a returned thenable (a query builder) runs its then() there too.
        return tenantStorage.run({ values: { ...outer?.values, ...values } }, async () => await fn())
      })
    },
    currentTenant: () => currentFrame()?.values.tenant,
    currentValues() {
      const frame = currentFrame()
      if (!frame) return undefined
      const values = settings.fromFrame(frame.values)
      for (const key of settings.keys) if (key !== 'tenant' && values[key] === '') delete values[key]
      return values as TenantValues<K>
    },
    async verifyRole() {
      const held = lease(await pool.connect())
      let check: RoleCheck
      try {
        check = await guard.check(held.client)
      } catch (error) {
        held.release(error as Error)
        throw error
      }
      held.release()
      if (guard.enabled) assertSafeRole(check)
      return check
    },
    contextPool: undefined as unknown as ContextPool,
  }
  ;(db as { contextPool: ContextPool }).contextPool = createContextPool({
    pool,
    settings,
    checkout,
    resolve: () => valuesFor(undefined).values,
    trace: tracedQuery,
  })
  return db
}
