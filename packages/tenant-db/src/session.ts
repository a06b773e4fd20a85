import { asError } from './connection'
import { prefixedQuery, type Statement } from './implicit-tx'
import type { PoolClientLike, QueryResultLike } from './queryable'

/** One checked-out connection carrying one tenant transaction, begun lazily. */
export interface TenantSession {
  /** Runs a query inside the transaction, sending BEGIN first if nothing ran yet. */
  query(text: string, params?: unknown[]): Promise<QueryResultLike<unknown>>
  /** BEGIN, one query and COMMIT as a single unit; the connection is released afterwards. */
  once(text: string, params?: unknown[]): Promise<QueryResultLike<unknown>>
  /** Commits what ran and releases the connection. */
  commit(): Promise<void>
  /** Rolls back and releases; a connection that cannot roll back is destroyed. */
  abort(): Promise<void>
}

/** A checked-out connection and the one way to hand it back. */
export interface Lease {
  readonly client: PoolClientLike
  /** Releases once; with an error (or after the server dropped it) the pool destroys it. */
  release(error?: Error): void
}

/**
 * Holds `client` until `release`. A dropped connection also rejects the pending query; without a
 * listener the client's 'error' event would crash the process.
 */
export function lease(client: PoolClientLike): Lease {
  let lost: Error | undefined
  const onError = (error: Error) => {
    lost = error
  }
  client.on?.('error', onError)
  let released = false
  return {
    client,
    release(error) {
      if (released) return
      released = true
      const broken = error ?? lost
      // A destroyed client may still emit its 'error' late: keep the listener on it.
      if (!broken) client.removeListener?.('error', onError)
      client.release(broken)
    },
  }
}

/**
 * One tenant transaction on a leased connection. `beginSql` opens the transaction and sets the
 * tenant in one message. On a node-postgres client, BEGIN travels together with the first query:
 * with `pipeline: true` as a message of its own in the same flight, otherwise as `prefix`
 * (BEGIN and set_config statements before the query's Sync). Elsewhere (PGlite) BEGIN is a round
 * trip of its own.
 */
export function openSession(held: Lease, beginSql: string, prefix?: Statement[]): TenantSession {
  const { client } = held
  const release = held.release
  const pipelined = (client as { pipeline?: unknown }).pipeline === true

  let begun: Promise<unknown> | undefined
  const begin = () => {
    begun ??= client.query(beginSql)
    return begun
  }

  async function rollback(): Promise<void> {
    try {
      await client.query('ROLLBACK')
    } catch (error) {
      // A connection that cannot roll back may still hold the tenant: the pool must destroy it.
      release(asError(error))
      return
    }
    release()
  }

  async function query(text: string, params?: unknown[]): Promise<QueryResultLike<unknown>> {
    if (!pipelined) {
      if (!begun && prefix) {
        // BEGIN and the settings go with the first query, before its Sync: one round trip.
        const sent = prefixedQuery(client, prefix, text, params)
        if (sent) {
          begun = Promise.resolve()
          return sent
        }
      }
      await begin()
      return client.query(text, params)
    }
    const started = begin()
    const pending = client.query(text, params)
    try {
      await started
    } catch (error) {
      // BEGIN and SET LOCAL share one message: if SET LOCAL failed, BEGIN had already
      // opened the block, so the query behind it was refused (25P02) instead of
      // running without a tenant. The BEGIN message's error is the one that explains it.
      pending.catch(() => undefined)
      throw error
    }
    return pending
  }

  return {
    query,
    async once(text, params) {
      if (!pipelined) {
        try {
          const result = await query(text, params)
          await client.query('COMMIT')
          release()
          return result
        } catch (error) {
          await rollback()
          throw error
        }
      }
      const settled = await Promise.allSettled([begin(), client.query(text, params), client.query('COMMIT')])
      const [, result, commit] = settled
      const failed = settled.find((s) => s.status === 'rejected')
      if (!failed && result.status === 'fulfilled') {
        release()
        return result.value
      }
      // COMMIT after a failed statement rolls back by itself; only a failed COMMIT needs more.
      if (commit.status === 'rejected') await rollback()
      else release()
      throw (failed as PromiseRejectedResult).reason
    },
    async commit() {
      if (begun) await client.query('COMMIT')
      release()
    },
    async abort() {
      if (begun) await rollback()
      else release()
    },
  }
}
