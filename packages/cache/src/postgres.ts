import { type Duration, toMs } from './duration'
import { CacheError } from './errors'
import { globToRegExp } from './keys'
import type { CacheStore } from './types'

/** What the store needs of a `pg.Pool` (or anything with the same `query`). */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>
}

export interface PostgresStoreOptions {
  pool: Queryable
  /** Table name; `<table>_tags` and `<table>_locks` sit beside it. Default `'rc_cache'`. */
  table?: string
  /** How often expired rows are deleted. Default `'60s'`. */
  cleanupInterval?: Duration
  /** Rows removed per cleanup statement. Default 5,000. */
  cleanupBatch?: number
}

// A plain identifier, short enough that "<table>_expires_at" stays within PostgreSQL's 63-byte names.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,50}$/
// Keys per listing page: one index range read each, small enough to keep a page's latency low.
const SCAN_PAGE = 500

/** The literal start of a glob (up to its first wildcard), for an index range. */
function literalPrefix(glob: string): string {
  let prefix = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === '*' || c === '?' || c === '[') break
    if (c === '\\' && i + 1 < glob.length) prefix += glob[++i]
    else prefix += c
  }
  return prefix
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

/**
 * A store in PostgreSQL for deployments without Redis: UNLOGGED tables (no
 * WAL: fast, and a cache may be lost on a crash), an index on expiry, and a
 * background sweep of expired rows. Expiry uses the database clock.
 */
export function postgresStore(options: PostgresStoreOptions): CacheStore {
  const pool = options?.pool
  if (!pool || typeof pool.query !== 'function') {
    throw new CacheError('CACHE_INVALID_ARGUMENT', 'postgresStore needs { pool: a pg.Pool }.')
  }
  const table = options.table ?? 'rc_cache'
  if (!IDENTIFIER.test(table)) {
    throw new CacheError(
      'CACHE_INVALID_ARGUMENT',
      `postgresStore table must be a plain identifier, got ${JSON.stringify(table)}.`,
    )
  }
  const t = `"${table}"`
  const tags = `"${table}_tags"`
  const locks = `"${table}_locks"`
  const live = '(expires_at IS NULL OR expires_at > now())'
  const cleanupMs = toMs(options.cleanupInterval ?? '60s', 'postgresStore cleanupInterval')
  const cleanupBatch = options.cleanupBatch ?? 5_000

  let ready: Promise<void> | undefined
  const ensure = (): Promise<void> => {
    ready ??= createTables().catch((error) => {
      ready = undefined
      throw error
    })
    return ready
  }
  async function createTables(attempt = 0): Promise<void> {
    try {
      await pool.query(`
        CREATE UNLOGGED TABLE IF NOT EXISTS ${t} (key text PRIMARY KEY, value text NOT NULL, expires_at timestamptz);
        CREATE INDEX IF NOT EXISTS "${table}_expires_at" ON ${t} (expires_at) WHERE expires_at IS NOT NULL;
        CREATE INDEX IF NOT EXISTS "${table}_key_c" ON ${t} (key COLLATE "C");
        CREATE UNLOGGED TABLE IF NOT EXISTS ${tags} (tag text PRIMARY KEY, version bigint NOT NULL);
        CREATE UNLOGGED TABLE IF NOT EXISTS ${locks} (key text PRIMARY KEY, token text NOT NULL, expires_at timestamptz NOT NULL);
      `)
    } catch (error) {
      // Two instances creating the tables at once: IF NOT EXISTS still races in the catalog.
      const code = (error as { code?: string }).code
      if (attempt < 3 && (code === '23505' || code === '42P07')) return createTables(attempt + 1)
      throw error
    }
  }
  const q = async (text: string, params?: unknown[]) => {
    await ensure()
    return pool.query(text, params)
  }

  const sweep = async () => {
    await q(
      `DELETE FROM ${t} WHERE ctid IN (SELECT ctid FROM ${t} WHERE expires_at <= now() LIMIT ${cleanupBatch})`,
    )
    await q(`DELETE FROM ${locks} WHERE expires_at <= now()`)
  }
  const timer = cleanupMs > 0 ? setInterval(() => sweep().catch(() => {}), cleanupMs) : undefined
  timer?.unref()

  return {
    name: 'postgres',
    async get(key) {
      const { rows } = await q(`SELECT value FROM ${t} WHERE key = $1 AND ${live}`, [key])
      return rows[0]?.value
    },
    async getMany(keys) {
      if (keys.length === 0) return []
      const { rows } = await q(`SELECT key, value FROM ${t} WHERE key = ANY($1) AND ${live}`, [keys])
      const values = new Map(rows.map((r) => [r.key as string, r.value as string]))
      return keys.map((k) => values.get(k))
    },
    async setMany(entries) {
      if (entries.length === 0) return
      // One statement may not update a row twice: the last entry of a key wins, as in a loop of sets.
      const last = new Map(entries.map((e) => [e.key, e]))
      const list = [...last.values()]
      await q(
        `INSERT INTO ${t} (key, value, expires_at)
         SELECT k, v, CASE WHEN ms IS NULL THEN NULL ELSE now() + ms * interval '1 millisecond' END
         FROM unnest($1::text[], $2::text[], $3::bigint[]) AS e(k, v, ms)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
        [
          list.map((e) => e.key),
          list.map((e) => e.value),
          list.map((e) => (e.ttlMs === undefined ? null : Math.max(1, Math.ceil(e.ttlMs)))),
        ],
      )
    },
    async replace(key, expected, value, ttlMs) {
      const { rowCount } = await q(
        `UPDATE ${t} SET value = $3,
           expires_at = CASE WHEN $4::bigint IS NULL THEN NULL ELSE now() + $4::bigint * interval '1 millisecond' END
         WHERE key = $1 AND value = $2 AND ${live}`,
        [key, expected, value, ttlMs === undefined ? null : Math.max(1, Math.ceil(ttlMs))],
      )
      return rowCount === 1
    },
    async *scan(pattern) {
      // Keyset pages over the "C"-collated key index: the LIKE on the glob's
      // literal start bounds the range read, the regex does the rest.
      const like = `${escapeLike(literalPrefix(pattern))}%`
      const regex = globToRegExp(pattern, 'postgres').source
      let after = ''
      for (;;) {
        const { rows } = await q(
          `SELECT key FROM ${t}
           WHERE key COLLATE "C" LIKE $1 AND key COLLATE "C" ~ $2 AND key COLLATE "C" > $3 AND ${live}
           ORDER BY key COLLATE "C" LIMIT ${SCAN_PAGE}`,
          [like, regex, after],
        )
        for (const row of rows) yield row.key as string
        if (rows.length < SCAN_PAGE) return
        after = rows[rows.length - 1]!.key
      }
    },
    async set(key, value, ttlMs) {
      await q(
        `INSERT INTO ${t} (key, value, expires_at)
         VALUES ($1, $2, CASE WHEN $3::bigint IS NULL THEN NULL ELSE now() + $3::bigint * interval '1 millisecond' END)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
        [key, value, ttlMs === undefined ? null : Math.max(1, Math.ceil(ttlMs))],
      )
    },
    async delete(keys) {
      if (keys.length === 0) return 0
      const { rows } = await q(
        `WITH d AS (DELETE FROM ${t} WHERE key = ANY($1) RETURNING expires_at)
         SELECT count(*) FILTER (WHERE ${live})::int AS n FROM d`,
        [keys],
      )
      return rows[0]?.n ?? 0
    },
    async deletePattern(pattern) {
      const regex = globToRegExp(pattern, 'postgres').source
      const { rows } = await q(
        `WITH d AS (DELETE FROM ${t} WHERE key ~ $1 RETURNING expires_at)
         SELECT count(*) FILTER (WHERE ${live})::int AS n FROM d`,
        [regex],
      )
      await q(`DELETE FROM ${tags} WHERE tag ~ $1`, [regex])
      return rows[0]?.n ?? 0
    },
    async tagVersions(tagKeys) {
      if (tagKeys.length === 0) return []
      const { rows } = await q(`SELECT tag, version FROM ${tags} WHERE tag = ANY($1)`, [tagKeys])
      const versions = new Map(rows.map((r) => [r.tag as string, Number(r.version)]))
      return tagKeys.map((k) => versions.get(k) ?? 0)
    },
    async bumpTags(tagKeys) {
      if (tagKeys.length === 0) return
      await q(
        `INSERT INTO ${tags} (tag, version) SELECT DISTINCT unnest($1::text[]), 1
         ON CONFLICT (tag) DO UPDATE SET version = ${tags}.version + 1`,
        [tagKeys],
      )
    },
    async lock(key, token, ttlMs) {
      const { rowCount } = await q(
        `INSERT INTO ${locks} (key, token, expires_at) VALUES ($1, $2, now() + $3::bigint * interval '1 millisecond')
         ON CONFLICT (key) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
         WHERE ${locks}.expires_at <= now()`,
        [key, token, Math.max(1, Math.ceil(ttlMs))],
      )
      return rowCount === 1
    },
    async unlock(key, token) {
      await q(`DELETE FROM ${locks} WHERE key = $1 AND token = $2`, [key, token])
    },
    async ping() {
      await pool.query('SELECT 1')
    },
    async close() {
      if (timer) clearInterval(timer)
    },
  }
}
