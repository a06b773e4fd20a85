import fc from 'fast-check'
import type pg from 'pg'
import { expect } from 'vitest'
import { createTenantDb, type TenantDb } from '../../src/index'

/** Shared by the direct and the PgBouncer runs: the bodies take only connection details. */
export interface SuiteTarget {
  /** Superuser pool, direct to PostgreSQL: the judge. */
  admin: pg.Pool
  /** App-role pool under test (direct or through PgBouncer). */
  app: pg.Pool
}

const TENANT_COUNT = 20
const POSTER_IDS = 12
// CI sets RC_FULL=1 for the full 100,000 operations; the default run stays quick.
export const OPS = process.env.RC_FULL === '1' ? 100_000 : 3_000
export const TENANTS = Array.from({ length: TENANT_COUNT }, (_, i) => `rest_${i}`)

type Op =
  | { kind: 'upsert'; tenant: number; poster: number; name: string }
  | { kind: 'read'; tenant: number }
  | { kind: 'rename'; tenant: number; poster: number; name: string }
  | { kind: 'delete'; tenant: number; poster: number }
  | { kind: 'write-other'; tenant: number; poster: number; other: number }
  | { kind: 'move-to-other'; tenant: number; poster: number; other: number }

const tenant = fc.integer({ min: 0, max: TENANT_COUNT - 1 })
const poster = fc.integer({ min: 1, max: POSTER_IDS })
const name = fc.string({ maxLength: 12 })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('upsert' as const), tenant, poster, name }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), tenant }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rename' as const), tenant, poster, name }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), tenant, poster }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('write-other' as const), tenant, poster, other: tenant }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('move-to-other' as const), tenant, poster, other: tenant }),
  },
)

type Model = Map<number, string>[]

async function apply(db: TenantDb, op: Op, model: Model): Promise<void> {
  const id = TENANTS[op.tenant]!
  const rows = model[op.tenant]!
  switch (op.kind) {
    case 'upsert':
      await db.query(
        id,
        `INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ($1, $2, $3)
         ON CONFLICT (restaurant_id, poster_id) DO UPDATE SET name = excluded.name, version = suppliers.version + 1`,
        [id, op.poster, op.name],
      )
      rows.set(op.poster, op.name)
      return
    case 'read': {
      const seen = await db.query<{ restaurant_id: string; poster_id: number; name: string }>(
        id,
        'SELECT restaurant_id, poster_id, name FROM suppliers ORDER BY poster_id',
      )
      expect(seen.rows.every((r) => r.restaurant_id === id)).toBe(true)
      expect(seen.rows.map((r) => [r.poster_id, r.name])).toEqual([...rows].sort((a, b) => a[0] - b[0]))
      return
    }
    case 'rename': {
      // No tenant filter in the SQL: the policy alone must scope the update.
      const done = await db.query(id, 'UPDATE suppliers SET name = $1 WHERE poster_id = $2', [
        op.name,
        op.poster,
      ])
      expect(done.rowCount).toBe(rows.has(op.poster) ? 1 : 0)
      if (rows.has(op.poster)) rows.set(op.poster, op.name)
      return
    }
    case 'delete': {
      const done = await db.query(id, 'DELETE FROM suppliers WHERE poster_id = $1', [op.poster])
      expect(done.rowCount).toBe(rows.has(op.poster) ? 1 : 0)
      rows.delete(op.poster)
      return
    }
    case 'write-other': {
      if (op.other === op.tenant) return
      const write = db.query(
        id,
        'INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ($1, $2, $3)',
        [TENANTS[op.other], op.poster, 'intruder'],
      )
      await expect(write).rejects.toMatchObject({ code: '42501' })
      return
    }
    case 'move-to-other': {
      if (op.other === op.tenant) return
      const move = db.query(id, 'UPDATE suppliers SET restaurant_id = $1 WHERE poster_id = $2', [
        TENANTS[op.other],
        op.poster,
      ])
      if (rows.has(op.poster)) await expect(move).rejects.toMatchObject({ code: '42501' })
      else expect((await move).rowCount).toBe(0)
      return
    }
  }
}

/**
 * Random reads, writes, renames, deletes and cross-tenant write attempts from
 * 20 tenants at once, checked against a per-tenant model after every read and,
 * as superuser, after every run.
 */
export async function runIsolation(target: SuiteTarget, totalOps: number): Promise<void> {
  const db = createTenantDb({ pool: target.app })
  const opsPerRun = Math.min(2000, totalOps)
  const numRuns = Math.ceil(totalOps / opsPerRun)
  let sharedPosterIds = 0
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: opsPerRun, maxLength: opsPerRun }), async (ops) => {
      await target.admin.query('TRUNCATE suppliers')
      const model: Model = TENANTS.map(() => new Map())
      const lanes: Op[][] = TENANTS.map(() => [])
      for (const op of ops) lanes[op.tenant]!.push(op)
      // Tenants run concurrently; each tenant's ops in order, so the model stays exact.
      await Promise.all(
        lanes.map(async (lane) => {
          for (const op of lane) await apply(db, op, model)
        }),
      )
      const { rows } = await target.admin.query<{ restaurant_id: string; poster_id: number; name: string }>(
        'SELECT restaurant_id, poster_id, name FROM suppliers ORDER BY restaurant_id, poster_id',
      )
      const expected = TENANTS.flatMap((id, t) =>
        [...model[t]!].map(([p, n]) => ({ restaurant_id: id, poster_id: p, name: n })),
      )
      expected.sort((a, b) =>
        a.restaurant_id < b.restaurant_id
          ? -1
          : a.restaurant_id > b.restaurant_id
            ? 1
            : a.poster_id - b.poster_id,
      )
      expect(rows).toEqual(expected)
      const owners = new Map<number, number>()
      for (const r of rows) owners.set(r.poster_id, (owners.get(r.poster_id) ?? 0) + 1)
      sharedPosterIds += [...owners.values()].filter((n) => n > 1).length
    }),
    { numRuns, endOnFailure: true },
  )
  // Same Poster id under two restaurants must coexist (the original unique-on-poster-id bug).
  expect(sharedPosterIds).toBeGreaterThan(0)
}

/**
 * 1000 withTenant calls cycling through tenants over a pool of 2, with thrown
 * errors, SQL errors and rolled-back writes in between: every query sees its
 * own tenant and only its own rows, and a connection back in the pool carries
 * no tenant.
 */
export async function runLeak(target: SuiteTarget, iterations = 1000): Promise<void> {
  const db = createTenantDb({ pool: target.app })
  const tenants = TENANTS.slice(0, 5)
  await target.admin.query('TRUNCATE suppliers')
  for (const id of tenants) {
    await target.admin.query('INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ($1, 1, $1)', [
      id,
    ])
  }
  const tenantsPerBackend = new Map<number, Set<string>>()
  let failures = 0
  const iteration = async (i: number) => {
    const id = tenants[i % tenants.length]!
    const outcome = db.withTenant(id, async (tx) => {
      const now = await tx.query<{ t: string; pid: number }>(
        "SELECT current_setting('app.current_tenant') AS t, pg_backend_pid() AS pid",
      )
      expect(now.rows[0]!.t).toBe(id)
      const pid = now.rows[0]!.pid
      if (!tenantsPerBackend.has(pid)) tenantsPerBackend.set(pid, new Set())
      tenantsPerBackend.get(pid)!.add(id)
      const seen = await tx.query<{ restaurant_id: string }>('SELECT restaurant_id FROM suppliers')
      expect(seen.rows.map((r) => r.restaurant_id)).toEqual([id])
      switch (i % 4) {
        case 1:
          throw new Error('thrown by the callback')
        case 2:
          await tx.query('SELECT 1 / 0')
          return
        case 3:
          await tx.query(
            'INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ($1, 1000 + $2::int, $1)',
            [id, i],
          )
          throw new Error('rolls the insert back')
      }
    })
    if (i % 4 === 0) await outcome
    else {
      await expect(outcome).rejects.toThrow()
      failures++
    }
    const idle = await target.app.query<{ t: string | null }>(
      "SELECT current_setting('app.current_tenant', true) AS t",
    )
    expect(idle.rows[0]!.t ?? '').toBe('')
  }
  // Three callers over two connections: connections change hands between tenants all the time.
  let next = 0
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      while (next < iterations) await iteration(next++)
    }),
  )
  expect(failures).toBe(iterations - Math.ceil(iterations / 4))
  expect([...tenantsPerBackend.values()].some((s) => s.size > 1)).toBe(true)
  const { rows } = await target.admin.query<{ n: string }>('SELECT count(*) AS n FROM suppliers')
  expect(Number(rows[0]!.n)).toBe(tenants.length)
}

/**
 * 1000 single statements (`db.query`) cycling through tenants on one connection, with SQL
 * errors and refused writes among them: each sees only its tenant, and after each the same
 * connection is idle (no open transaction) with no tenant set.
 */
export async function runQueryLeak(target: SuiteTarget, iterations = 1000): Promise<void> {
  const db = createTenantDb({ pool: target.app })
  const tenants = TENANTS.slice(0, 5)
  await target.admin.query('TRUNCATE suppliers')
  for (const id of tenants) {
    await target.admin.query('INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ($1, 1, $1)', [
      id,
    ])
  }
  const backends = new Set<number>()
  for (let i = 0; i < iterations; i++) {
    const id = tenants[i % tenants.length]!
    const other = tenants[(i + 1) % tenants.length]!
    switch (i % 4) {
      case 0: {
        const { rows } = await db.query<{ t: string; r: string; pid: number }>(
          id,
          "SELECT current_setting('app.current_tenant') AS t, restaurant_id AS r, pg_backend_pid() AS pid FROM suppliers",
        )
        expect(rows.map((r) => [r.t, r.r])).toEqual([[id, id]])
        backends.add(rows[0]!.pid)
        break
      }
      case 1:
        await expect(db.query(id, 'SELECT 1 / 0')).rejects.toMatchObject({ code: '22012' })
        break
      case 2:
        await expect(
          db.query(id, "INSERT INTO suppliers (restaurant_id, poster_id, name) VALUES ($1, 2, 'x')", [other]),
        ).rejects.toMatchObject({ code: '42501' })
        break
      case 3:
        expect(
          (await db.query(id, 'UPDATE suppliers SET name = $1 WHERE poster_id = 1', [id])).rowCount,
        ).toBe(1)
        break
    }
    const client = await target.app.connect()
    try {
      expect((client as unknown as { getTransactionStatus(): string }).getTransactionStatus()).toBe('I')
      const idle = await client.query("SELECT current_setting('app.current_tenant', true) AS t")
      expect(idle.rows[0].t ?? '').toBe('')
    } finally {
      client.release()
    }
  }
  const { rows } = await target.admin.query('SELECT restaurant_id, name FROM suppliers ORDER BY 1')
  expect(rows).toEqual(tenants.map((id) => ({ restaurant_id: id, name: id })))
  expect(backends.size).toBeGreaterThan(0)
}
