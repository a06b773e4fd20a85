import type pg from 'pg'
import { expect } from 'vitest'
import { createTenantDb } from '../../src/index'

/** Shared by the direct and the PgBouncer runs: the bodies take only connection details. */
export interface SuiteTarget {
  /** Superuser pool, direct to PostgreSQL: the judge. */
  admin: pg.Pool
  /** App-role pool under test (direct or through PgBouncer). */
  app: pg.Pool
}

// CI sets RC_FULL=1 for the full 100,000 operations; the default run stays quick.
export const OPS = process.env.RC_FULL === '1' ? 100_000 : 3_000
export const TENANTS = Array.from({ length: 20 }, (_, i) => `rest_${i}`)

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
