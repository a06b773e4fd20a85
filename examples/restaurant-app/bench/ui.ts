import autocannon from 'autocannon'
import { seed } from '../src/seed'
import { startChild } from './processes'
import { PASSWORD, type Setup } from './setup'

/** The restaurant the UI bench renders: big enough that the checklist page is real work. */
export const UI_RESTAURANT = 'ui2000'
export const UI_INGREDIENTS = 2_000
const STORAGES = 3
const SECTIONS = 10
const SUPPLIERS = 20
const UI_USER = 'ui-manager@bench.example'

export const UI_PAGES = ['checklist', '', 'orders', 'analytics', 'plan'] as const

export interface PageRun {
  page: string
  offeredRate: number
  connections: number
  durationS: number
  requests: number
  bytesPerResponse: number
  non2xx: number
  errors: number
  /** Milliseconds, as the server measured each answer (Fastify's reply.elapsedTime at onResponse). */
  server: { p50: number; p90: number; p99: number; max: number }
  /** Milliseconds, as autocannon saw each answer (includes the client and the loopback). */
  client: { p50: number; p90: number; p99: number; max: number }
  /** Over rounds: how many, and the server p99 of each. */
  rounds?: number
  p99s?: number[]
}

const quantiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) ?? 0 }
}

/**
 * A restaurant with 2,000 ingredients written straight into the database (the fake Poster's accounts
 * are small): 3 storages, 20 suppliers, stock of every ingredient in every storage, 10 checklist
 * sections holding all 2,000 ingredients with par levels (about a quarter below par), and 30 orders.
 */
async function seedBigRestaurant(setup: Setup): Promise<void> {
  const { runtime } = setup
  await seed(runtime.owner, runtime.cipher, {
    restaurants: [
      {
        id: UI_RESTAURANT,
        name: 'Big Kitchen (2,000 ingredients)',
        posterAccount: UI_RESTAURANT,
        token: '1:0',
        tier: 'enterprise',
      },
    ],
    users: [{ email: UI_USER, name: 'UI bench', password: PASSWORD, roles: { [UI_RESTAURANT]: 'manager' } }],
  })
  await runtime.db.tenant.withTenant(UI_RESTAURANT, async (tx) => {
    const r = UI_RESTAURANT
    await tx.query(
      `INSERT INTO storages (restaurant_id, poster_id, name) SELECT $1, n, 'Storage ' || n FROM generate_series(1, $2) n`,
      [r, STORAGES],
    )
    await tx.query(
      `INSERT INTO suppliers (restaurant_id, poster_id, name) SELECT $1, n, 'Supplier ' || n FROM generate_series(1, $2) n`,
      [r, SUPPLIERS],
    )
    await tx.query(
      `INSERT INTO ingredients (restaurant_id, poster_id, name, unit, left_total, limit_value)
       SELECT $1, n, 'Ingredient ' || lpad(n::text, 4, '0'), (ARRAY['kg', 'l', 'p'])[1 + n % 3], (n % 97) * 1.5, (n % 11) * 4
       FROM generate_series(1, $2) n`,
      [r, UI_INGREDIENTS],
    )
    await tx.query(
      `INSERT INTO stock_levels (restaurant_id, storage_poster_id, ingredient_poster_id, quantity, prime_cost)
       SELECT $1, s, n, ((n * 7 + s * 13) % 50) - 3, 1 + (n % 40) * 0.25
       FROM generate_series(1, $2) s, generate_series(1, $3) n`,
      [r, STORAGES, UI_INGREDIENTS],
    )
    const { rows: sections } = await tx.query<{ id: number }>(
      `INSERT INTO sections (restaurant_id, name, position) SELECT $1, 'Section ' || n, n FROM generate_series(1, $2) n RETURNING id::int`,
      [r, SECTIONS],
    )
    await tx.query(
      `INSERT INTO checklist_items (restaurant_id, section_id, ingredient_poster_id, supplier_poster_id, par_level, position)
       SELECT $1, ($2::bigint[])[1 + n % $3], n, 1 + n % $4, CASE WHEN n % 4 = 0 THEN 200 ELSE 20 END, n
       FROM generate_series(1, $5) n`,
      [r, sections.map((s) => s.id), SECTIONS, SUPPLIERS, UI_INGREDIENTS],
    )
    await tx.query(
      `INSERT INTO supplier_orders (restaurant_id, supplier_poster_id, status, created_by)
       SELECT $1, 1 + n % $2, (ARRAY['draft', 'sent', 'received', 'cancelled'])[1 + n % 4], 1 FROM generate_series(1, 30) n`,
      [r, SUPPLIERS],
    )
    await tx.query(
      `INSERT INTO supplier_order_lines (restaurant_id, order_id, ingredient_poster_id, quantity)
       SELECT $1, o.id, o.id::int * 10 + k, 5 FROM supplier_orders o, generate_series(1, 8) k`,
      [r],
    )
  })
  await runtime.control.restaurants.markSynced(UI_RESTAURANT)
}

/**
 * The staff UI's main pages of that restaurant, each on its own: autocannon at `rate` requests/s (as a
 * browser asks: a session cookie, `accept-encoding: gzip`) against a server child process, with the
 * server's own time of every answer collected over IPC (bench/server.ts).
 */
export async function runUiBench(
  setup: Setup,
  options: { rate: number; connections: number; durationS: number; warmupS: number; rounds: number },
): Promise<PageRun[]> {
  await seedBigRestaurant(setup)
  const server = await startChild<{ type: 'ready'; url: string }, { type: 'stopped' }>('./server.ts', {
    ...setup.env,
    WORKER: 'off',
    BENCH_SERVER_TIMES: '1',
  })
  const times = () =>
    new Promise<number[]>((resolve) => {
      const off = server.onMessage((message) => {
        if (message.type !== 'times') return
        off()
        resolve(message.times as number[])
      })
      server.send({ type: 'times' })
    })
  try {
    const url = server.ready.url
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: UI_USER, password: PASSWORD }),
    })
    if (login.status !== 200) throw new Error(`login ${UI_USER}: ${login.status}`)
    const { token } = (await login.json()) as { token: string }
    const headers = { cookie: `rc_session=${token}`, 'accept-encoding': 'gzip' }
    const load = async (path: string, durationS: number) => {
      const latencies: number[] = []
      const result = await new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            url: `${url}${path}`,
            headers,
            connections: options.connections,
            overallRate: options.rate,
            duration: durationS,
          },
          (error, done) => (error ? reject(error) : resolve(done)),
        )
        instance.on('response', (_client, statusCode, _bytes, responseTime) => {
          if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime)
        })
      })
      return { result, latencies }
    }
    const paths = UI_PAGES.map((page) => ({
      page: page || 'overview',
      path: `/app/r/${UI_RESTAURANT}/${page}`,
    }))
    for (const { page, path } of paths) {
      const check = await fetch(`${url}${path}`, { headers: { cookie: headers.cookie } })
      const body = await check.text()
      if (check.status !== 200) throw new Error(`${path}: ${check.status} ${body.slice(0, 200)}`)
      if (page === 'checklist' && (body.match(/<tr/g)?.length ?? 0) < UI_INGREDIENTS)
        throw new Error(`${path}: fewer than ${UI_INGREDIENTS} rows`)
      await load(path, options.warmupS)
    }
    // Interleaved rounds, each page once per round in turn: the machine's load drifts, and each page
    // gets its share of the quiet and the busy moments. Figures are medians over the rounds.
    const rounds = new Map<string, PageRun[]>()
    for (let round = 0; round < options.rounds; round++) {
      for (const { page, path } of paths) {
        await times() // drop what came before
        const { result, latencies } = await load(path, options.durationS)
        const server = await times()
        const run: PageRun = {
          page,
          offeredRate: options.rate,
          connections: options.connections,
          durationS: options.durationS,
          requests: result.requests.total,
          bytesPerResponse: result.throughput.total / Math.max(1, latencies.length),
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
          server: quantiles(server),
          client: quantiles(latencies),
        }
        rounds.set(page, [...(rounds.get(page) ?? []), run])
        console.log(JSON.stringify({ round, ...run }))
      }
    }
    const median = (values: number[]) => quantiles(values).p50
    const runs: PageRun[] = [...rounds.values()].map((all) => {
      const first = all[0] as PageRun
      const of = (pick: (r: PageRun) => number) => median(all.map(pick))
      return {
        ...first,
        rounds: all.length,
        requests: all.reduce((n, r) => n + r.requests, 0),
        durationS: all.reduce((n, r) => n + r.durationS, 0),
        bytesPerResponse: of((r) => r.bytesPerResponse),
        non2xx: all.reduce((n, r) => n + r.non2xx, 0),
        errors: all.reduce((n, r) => n + r.errors, 0),
        server: {
          p50: of((r) => r.server.p50),
          p90: of((r) => r.server.p90),
          p99: of((r) => r.server.p99),
          max: Math.max(...all.map((r) => r.server.max)),
        },
        client: {
          p50: of((r) => r.client.p50),
          p90: of((r) => r.client.p90),
          p99: of((r) => r.client.p99),
          max: Math.max(...all.map((r) => r.client.max)),
        },
        p99s: all.map((r) => r.server.p99),
      }
    })
    return runs
  } finally {
    await server.stop()
  }
}
