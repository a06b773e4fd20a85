/*
 * The scale bench's database: 10,000 restaurants of 500 tenant rows each (5M rows), written with
 * INSERT ... SELECT generate_series in one dedicated database, `rc_bench_scale`, kept between runs
 * (loading takes minutes on two shared cores) and reused when its row counts are the expected ones.
 * BENCH_SCALE_RESET=1 drops it first; BENCH_SCALE_DROP=1 drops it at the end of the run.
 */
import { TEST_PG_URL } from '@rc/test-services'
import pg from 'pg'
import { hashPassword } from '../src/auth/passwords'
import { migrate } from '../src/infra/database'

export const SCALE_DATABASE = 'rc_bench_scale'
export const SCALE_RESTAURANTS = 10_000
/** Each user manages ten restaurants, as a chain's manager would. */
export const SCALE_USERS = 1_000
export const SCALE_PASSWORD = 'bench-password-1'

/** Tenant rows of one restaurant, by table: 500 in all. */
export const ROWS_PER_RESTAURANT = {
  storages: 2,
  suppliers: 10,
  categories: 8,
  ingredients: 150,
  products: 100,
  /** The first 100 ingredients in both storages. */
  stock_levels: 200,
  sections: 3,
  /** Nine ingredients in each section. */
  checklist_items: 27,
} as const
export const TENANT_ROWS_PER_RESTAURANT = Object.values(ROWS_PER_RESTAURANT).reduce((t, n) => t + n, 0)

export const restaurantId = (index: number) => `s${String(index).padStart(5, '0')}`
export const userEmail = (index: number) => `scale${index}@bench.example`

export interface ScaleDatabase {
  url: string
  restaurants: number
  tenantRows: number
  /** Seconds spent loading in this run; 0 when the database was reused. */
  loadS: number
  reused: boolean
}

function urlOf(database: string): string {
  const url = new URL(TEST_PG_URL)
  url.pathname = `/${database}`
  return url.toString()
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

export async function dropScaleDatabase(): Promise<void> {
  await withClient(TEST_PG_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${SCALE_DATABASE} WITH (FORCE)`))
}

/** The expected counts, or why the database cannot be reused. */
async function check(url: string): Promise<string | undefined> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ restaurants: number; users: number; tenant: number }>(
      `SELECT (SELECT count(*)::int FROM control.restaurants) AS restaurants,
              (SELECT count(*)::int FROM control.users) AS users,
              ${Object.keys(ROWS_PER_RESTAURANT)
                .map((t) => `(SELECT count(*)::int FROM ${t})`)
                .join(' + ')} AS tenant`,
    )
    const r = rows[0]!
    const tenant = SCALE_RESTAURANTS * TENANT_ROWS_PER_RESTAURANT
    if (r.restaurants !== SCALE_RESTAURANTS || r.users !== SCALE_USERS || r.tenant !== tenant)
      return `found ${r.restaurants} restaurants, ${r.users} users, ${r.tenant} tenant rows`
    return undefined
  }).catch((error: Error) => error.message)
}

/** `rc_bench_scale`, created and loaded unless it is there with the expected counts. */
export async function scaleDatabase(): Promise<ScaleDatabase> {
  const url = urlOf(SCALE_DATABASE)
  const tenantRows = SCALE_RESTAURANTS * TENANT_ROWS_PER_RESTAURANT
  if (process.env.BENCH_SCALE_RESET === '1') await dropScaleDatabase()
  const exists = await withClient(TEST_PG_URL, async (c) => {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [SCALE_DATABASE])
    return rowCount === 1
  })
  if (exists) {
    const problem = await check(url)
    if (problem === undefined)
      return { url, restaurants: SCALE_RESTAURANTS, tenantRows, loadS: 0, reused: true }
    console.log(`${SCALE_DATABASE}: ${problem}; loading it again`)
    await dropScaleDatabase()
  }
  const started = Date.now()
  await withClient(TEST_PG_URL, (c) => c.query(`CREATE DATABASE ${SCALE_DATABASE}`))
  const owner = new pg.Pool({ connectionString: url, max: 1 })
  try {
    await migrate(owner)
    await load(owner)
  } finally {
    await owner.end()
  }
  const problem = await check(url)
  if (problem) throw new Error(`${SCALE_DATABASE} after loading: ${problem}`)
  return {
    url,
    restaurants: SCALE_RESTAURANTS,
    tenantRows,
    loadS: (Date.now() - started) / 1000,
    reused: false,
  }
}

async function load(owner: pg.Pool): Promise<void> {
  const passwordHash = await hashPassword(SCALE_PASSWORD)
  const n = SCALE_RESTAURANTS - 1
  const rid = `'s' || lpad(r::text, 5, '0')`
  const client = await owner.connect()
  const step = async (label: string, sql: string, params: unknown[] = []) => {
    const t = Date.now()
    await client.query(sql, params)
    console.log(`  ${label}: ${((Date.now() - t) / 1000).toFixed(1)} s`)
  }
  try {
    // The rows are consistent by construction: foreign keys and row triggers are not checked while loading.
    await client.query(`SET session_replication_role = replica`)
    await step(
      'restaurants',
      `INSERT INTO control.restaurants (id, name, poster_account, token_ciphertext, tier, status)
       SELECT ${rid}, 'Scale restaurant ' || r, 'scale' || r, 'bench:no-token', 'enterprise', 'ok'
       FROM generate_series(0, ${n}) r`,
    )
    await step(
      'users and memberships',
      `WITH u AS (
         INSERT INTO control.users (email, name, password_hash)
         SELECT 'scale' || k || '@bench.example', 'Scale manager ' || k, $1 FROM generate_series(0, ${SCALE_USERS - 1}) k
         RETURNING id, email)
       INSERT INTO control.memberships (user_id, restaurant_id, role)
       SELECT u.id, ${rid}, 'manager' FROM generate_series(0, ${n}) r
       JOIN u ON u.email = 'scale' || (r / ${SCALE_RESTAURANTS / SCALE_USERS}) || '@bench.example'`,
      [passwordHash],
    )
    const series = (count: number) => `generate_series(0, ${n}) r, generate_series(1, ${count}) i`
    await step(
      'storages',
      `INSERT INTO storages (restaurant_id, poster_id, name, address)
       SELECT ${rid}, i, CASE i WHEN 1 THEN 'Main storage' ELSE 'Bar' END, i || ' Khreshchatyk St'
       FROM ${series(ROWS_PER_RESTAURANT.storages)}`,
    )
    await step(
      'suppliers',
      `INSERT INTO suppliers (restaurant_id, poster_id, name, phone, address)
       SELECT ${rid}, i, 'Supplier ' || i, '+38067' || (1000000 + r * 10 + i), i || ' Industrial Rd'
       FROM ${series(ROWS_PER_RESTAURANT.suppliers)}`,
    )
    await step(
      'categories',
      `INSERT INTO categories (restaurant_id, poster_id, name, sort_order)
       SELECT ${rid}, i, 'Category ' || i, i FROM ${series(ROWS_PER_RESTAURANT.categories)}`,
    )
    await step(
      'ingredients',
      `INSERT INTO ingredients (restaurant_id, poster_id, name, unit, category_poster_id, limit_value, left_total)
       SELECT ${rid}, i, 'Ingredient ' || i, (ARRAY['kg', 'l', 'pcs'])[1 + i % 3], 1 + i % 8,
              (i * 7) % 50, ((r + i * 13) % 400) / 10.0
       FROM ${series(ROWS_PER_RESTAURANT.ingredients)}`,
    )
    await step(
      'products',
      `INSERT INTO products (restaurant_id, poster_id, name, category_poster_id, type, unit, cost_kopecks)
       SELECT ${rid}, i, 'Dish ' || i, 1 + i % 8, 2, 'pcs', 1000 + i * 37
       FROM ${series(ROWS_PER_RESTAURANT.products)}`,
    )
    await step(
      'stock_levels',
      `INSERT INTO stock_levels (restaurant_id, storage_poster_id, ingredient_poster_id, quantity, prime_cost)
       SELECT ${rid}, s, i, ((r + i + s) % 500) / 10.0, 1 + i % 90
       FROM generate_series(0, ${n}) r, generate_series(1, 2) s, generate_series(1, 100) i`,
    )
    // Identity columns: ids given so that items can name their section (OVERRIDING SYSTEM VALUE).
    await step(
      'sections',
      `INSERT INTO sections (restaurant_id, id, name, position) OVERRIDING SYSTEM VALUE
       SELECT ${rid}, r * 3 + i, (ARRAY['Kitchen', 'Bar', 'Cold room'])[i], i FROM ${series(3)}`,
    )
    await step(
      'checklist_items',
      `INSERT INTO checklist_items (restaurant_id, id, section_id, ingredient_poster_id, supplier_poster_id, par_level, position)
       OVERRIDING SYSTEM VALUE
       SELECT ${rid}, r * 27 + i, r * 3 + 1 + (i - 1) / 9, i, 2 + i % 9, 5 + i % 10, i
       FROM ${series(ROWS_PER_RESTAURANT.checklist_items)}`,
    )
    for (const seq of ['sections_id_seq', 'checklist_items_id_seq'])
      await client.query(`SELECT setval('${seq}', ${SCALE_RESTAURANTS * 100})`)
    await client.query(`SET session_replication_role = DEFAULT`)
    await step('analyze', 'ANALYZE')
  } finally {
    client.release()
  }
}
