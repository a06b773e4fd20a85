import { TenantOrmProtocolError } from '../errors'
import { canPrefix, implicitTxQuery, prefixedQuery, type QueryConfigLike } from '../implicit-tx'
import type { PoolLike } from '../queryable'
import type { Lease } from '../session'
import type { Settings } from './settings'

/** A connection of a `ContextPool`, shaped like a `pg.PoolClient` for the libraries that use one. */
export interface ContextClient {
  query(config: QueryConfigLike, values?: unknown[]): Promise<any>
  release(error?: Error | boolean): void
  /** The server process id, when the driver knows it (Kysely reads it to cancel queries). */
  readonly processID?: number
}

/**
 * A pool for libraries that speak node-postgres: `connect()` takes the current context's values
 * (it fails with `TenantContextMissingError` outside one). The library's `BEGIN` carries the
 * settings in the same message; a statement outside a transaction runs with them in one implicit
 * transaction. A connection released inside an unfinished transaction is destroyed.
 */
export interface ContextPool {
  connect(): Promise<ContextClient>
  /** One statement in the current context. */
  query(config: QueryConfigLike, values?: unknown[]): Promise<any>
  /** Does nothing: the app owns and ends the underlying pool. */
  end(): Promise<void>
}

const BEGIN = /^\s*(begin|start\s+transaction)\b/i
const END = /^\s*(commit|end|abort|rollback(?!\s+(work\s+|transaction\s+)?to\b))\b/i

interface ContextPoolDeps {
  pool: PoolLike
  settings: Settings
  /** A guarded connection (the start guard has passed on it). */
  checkout(): Promise<Lease>
  /** The current context's values; throws outside one. */
  resolve(): Record<string, string>
  /** Runs one statement inside its `rc:tenant-db:query` trace. */
  trace<R>(
    tenantId: string,
    text: string,
    statementName: string | undefined,
    run: () => Promise<R>,
  ): Promise<R>
}

type RawQuery = (config: QueryConfigLike | string, values?: unknown[]) => Promise<any>

// The class name ends in "Pool": drizzle-orm's node-postgres driver recognizes a pool by it.
class TenantContextPool implements ContextPool {
  readonly #deps: ContextPoolDeps
  constructor(deps: ContextPoolDeps) {
    this.#deps = deps
  }

  async connect(): Promise<ContextClient> {
    const values = this.#deps.resolve()
    return bindClient(await this.#deps.checkout(), this.#deps, values)
  }

  async query(config: QueryConfigLike, values?: unknown[]): Promise<any> {
    const client = await this.connect()
    try {
      const result = await client.query(config, values)
      client.release()
      return result
    } catch (error) {
      client.release()
      throw error
    }
  }

  async end(): Promise<void> {}
}

export function createContextPool(deps: ContextPoolDeps): ContextPool {
  return new TenantContextPool(deps)
}

function textOf(config: QueryConfigLike): string {
  return typeof config === 'string' ? config : String(config?.text ?? '')
}

function bindClient(held: Lease, deps: ContextPoolDeps, values: Record<string, string>): ContextClient {
  const { settings } = deps
  const raw = held.client.query.bind(held.client) as unknown as RawQuery
  let inTx = false
  let broken: Error | undefined

  async function single(config: QueryConfigLike, params?: unknown[]) {
    const fast = implicitTxQuery(held.client, settings.setConfig(values), config, params)
    if (fast) return fast
    // Not node-postgres (PGlite): the settings in a BEGIN of their own, then COMMIT.
    await raw(settings.beginSql(values))
    try {
      const result = await raw(config, params)
      await raw('COMMIT')
      return result
    } catch (error) {
      await raw('ROLLBACK').catch((e: Error) => {
        broken = e
      })
      throw error
    }
  }

  /** The library's BEGIN, held back to travel with its first statement (node-postgres only). */
  let heldBegin: string | undefined

  async function run(config: QueryConfigLike, params: unknown[] | undefined): Promise<any> {
    const text = textOf(config)
    if (heldBegin !== undefined) {
      if (END.test(text)) {
        // Nothing was sent: there is no transaction to end.
        heldBegin = undefined
        return {
          command: /^\s*(rollback|abort)/i.test(text) ? 'ROLLBACK' : 'COMMIT',
          rows: [],
          rowCount: null,
          fields: [],
        }
      }
      const begin = heldBegin
      heldBegin = undefined
      inTx = true
      const sent = prefixedQuery(
        held.client,
        [{ text: begin, values: [] }, settings.setConfig(values)],
        config,
        params,
      )
      if (sent) return sent
      await raw(settings.beginSql(values, begin))
      return raw(config, params)
    }
    if (!inTx && BEGIN.test(text)) {
      const begin = text.trim().replace(/;\s*$/, '')
      if (canPrefix(held.client)) {
        // BEGIN, the settings and the first statement then cost one round trip, not two.
        heldBegin = begin
        return { command: 'BEGIN', rows: [], rowCount: null, fields: [] }
      }
      // Until a COMMIT or ROLLBACK succeeds, the connection may hold the settings.
      inTx = true
      const results = await raw(settings.beginSql(values, begin))
      return Array.isArray(results) ? results[0] : results
    }
    if (!inTx) {
      if (END.test(text)) {
        throw new TenantOrmProtocolError('the context pool', `"${text}" arrived outside a transaction`)
      }
      return single(config, params)
    }
    try {
      const result = await raw(config, params)
      if (END.test(text)) inTx = false
      return result
    } catch (error) {
      if (END.test(text)) broken = error as Error
      throw error
    }
  }

  return {
    get processID() {
      return (held.client as { processID?: number }).processID
    },
    query(config, params) {
      const name = typeof config === 'string' ? undefined : config?.name
      return deps.trace(values.tenant!, textOf(config), name, () => run(config, params))
    },
    release(error) {
      const destroy =
        error instanceof Error
          ? error
          : error === true || broken || inTx
            ? (broken ?? new Error('[@rc/tenant-db] released inside a transaction'))
            : undefined
      held.release(destroy)
    },
  }
}
