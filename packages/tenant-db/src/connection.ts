import type { PoolClientLike, PoolLike } from './queryable'

/** Checks a connection out for `fn`; a connection that failed mid-transaction is destroyed, not reused. */
export async function withClient<T>(pool: PoolLike, fn: (client: PoolClientLike) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    return await fn(client)
  } catch (error) {
    broken = await rollbackQuietly(client)
    throw error
  } finally {
    client.release(broken)
  }
}

/** Runs `fn` between BEGIN and COMMIT on `client`, rolling back when it throws. */
export async function inTransaction<T>(client: PoolClientLike, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN')
  try {
    const result = await fn()
    await client.query('COMMIT')
    return result
  } catch (error) {
    // If this ROLLBACK fails too, withClient's own attempt fails and destroys the connection.
    await rollbackQuietly(client)
    throw error
  }
}

/** ROLLBACK outside a transaction is only a warning, so this is safe to call after any failure. */
async function rollbackQuietly(client: PoolClientLike): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK')
    return undefined
  } catch (error) {
    return asError(error)
  }
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}
