import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { inTransaction, withClient } from '../connection'
import { type Duration, toMs } from '../duration'
import { MigrationChangedError, MigrationError, MigrationLockError } from '../errors'
import type { PoolClientLike, PoolLike } from '../queryable'
import { parseTableName, quoteLiteral } from '../sql'

/** Options of `runMigrations`. */
export interface RunMigrationsOptions {
  /** Folder of `.sql` files, applied in file-name order (zero-pad numbers: `001_init.sql`). */
  dir: string
  /** Where applied files are recorded. Default `'rc_tenant_db_migrations'`. */
  table?: string
  /** How long to wait for another runner's lock before failing. Default `'5m'`. */
  lockTimeout?: Duration
}

/** What `runMigrations` did. */
export interface MigrationsResult {
  /** Files applied by this call, in order. */
  applied: string[]
  /** Files that were already applied (with an unchanged checksum). */
  skipped: string[]
}

/** `55P03` lock_not_available: the lock_timeout fired. */
const LOCK_NOT_AVAILABLE = '55P03'

/**
 * Applies the `.sql` files in `dir` that were not applied yet, each in its own
 * transaction, recording name and SHA-256. A session-level advisory lock makes
 * concurrent runners (several instances starting together) wait for each
 * other, so each file is applied once. Connect directly or through a
 * session-pooling proxy: the lock is held by the session across transactions.
 * Files must not contain their own BEGIN/COMMIT.
 */
export async function runMigrations(
  pool: PoolLike,
  options: RunMigrationsOptions,
): Promise<MigrationsResult> {
  const table = parseTableName(options.table ?? 'rc_tenant_db_migrations')
  const lockTimeoutMs = toMs(options.lockTimeout ?? '5m', 'lockTimeout')
  const files = await readMigrations(options.dir)
  const lockKey = `@rc/tenant-db:${table.display}`

  return withClient(pool, async (client) => {
    await lock(client, lockKey, lockTimeoutMs)
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS ${table.sql} (
        name text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`)
      const { rows } = await client.query(`SELECT name, checksum FROM ${table.sql}`)
      const done = new Map((rows as { name: string; checksum: string }[]).map((r) => [r.name, r.checksum]))
      const result: MigrationsResult = { applied: [], skipped: [] }
      for (const file of files) {
        const recorded = done.get(file.name)
        if (recorded !== undefined) {
          if (recorded !== file.checksum) throw new MigrationChangedError(file.name)
          result.skipped.push(file.name)
          continue
        }
        await inTransaction(client, async () => {
          try {
            await client.query(file.sql)
          } catch (error) {
            throw new MigrationError(file.name, error)
          }
          // Literals, not parameters: PGlite runs parameterless text as a simple query.
          await client.query(
            `INSERT INTO ${table.sql} (name, checksum) VALUES (${quoteLiteral(file.name)}, ${quoteLiteral(file.checksum)})`,
          )
        })
        result.applied.push(file.name)
      }
      return result
    } finally {
      await client.query('SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtext($1))', [lockKey])
    }
  })
}

interface MigrationFile {
  name: string
  sql: string
  checksum: string
}

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort()
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name), 'utf8')
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
    }),
  )
}

async function lock(client: PoolClientLike, key: string, timeoutMs: number): Promise<void> {
  // lock_timeout is set transaction-locally; the advisory lock itself is
  // session-level and outlives the COMMIT until pg_advisory_unlock.
  await inTransaction(client, async () => {
    await client.query("SELECT pg_catalog.set_config('lock_timeout', $1, true)", [
      `${Math.ceil(timeoutMs)}ms`,
    ])
    try {
      await client.query('SELECT pg_catalog.pg_advisory_lock(pg_catalog.hashtext($1))', [key])
    } catch (error) {
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE)
        throw new MigrationLockError(timeoutMs, error)
      throw error
    }
  })
}
