import fc from 'fast-check'
import type { Queryable } from '../queryable'
import { ident, type TableInfo, valueArbitrary } from './schema'

/** Runs one statement as `tenant` and returns its rows: `db.query`, or an ORM's transaction. */
export type TenantExecutor = (tenant: string, text: string, params: unknown[]) => Promise<{ rows: unknown[] }>

type Kind = 'insert' | 'upsert' | 'update' | 'delete' | 'select' | 'write-other' | 'move-to-other'
interface Op {
  table: number
  kind: Kind
  tenant: number
  other: number
  pick: number
  values: Record<string, unknown>
}
type Row = Record<string, unknown>
/** Rows by table, then tenant, then key. */
type Model = Map<string, Map<string, Row>>[]

const KINDS: { weight: number; arbitrary: fc.Arbitrary<Kind> }[] = [
  { weight: 4, arbitrary: fc.constant('insert') },
  { weight: 3, arbitrary: fc.constant('upsert') },
  { weight: 3, arbitrary: fc.constant('select') },
  { weight: 2, arbitrary: fc.constant('update') },
  { weight: 2, arbitrary: fc.constant('delete') },
  { weight: 1, arbitrary: fc.constant('write-other') },
  { weight: 1, arbitrary: fc.constant('move-to-other') },
]

export function operationArbitrary(tables: TableInfo[], tenantCount: number): fc.Arbitrary<Op> {
  const tenant = fc.integer({ min: 0, max: tenantCount - 1 })
  return fc.oneof(
    ...tables.map((t, i) => {
      const values: Record<string, fc.Arbitrary<unknown>> = {}
      for (const c of t.written) {
        const arb = valueArbitrary(c.type, t.key.includes(c.name))
        if (arb) values[c.name] = c.notNull ? arb : fc.option(arb, { freq: 5 })
      }
      return fc.record({
        table: fc.constant(i),
        kind: fc.oneof(...KINDS),
        tenant,
        other: tenant,
        pick: fc.nat(),
        values: fc.record(values),
      })
    }),
  )
}

/** The database did something the model of isolated tenants says it must not. */
class IsolationMismatch extends Error {
  override name = 'IsolationMismatch'
}

const codeOf = (error: unknown): string | undefined => {
  const e = error as { code?: unknown; cause?: { code?: unknown } }
  return typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined
}

async function expectCode(what: Promise<unknown>, codes: string[], context: string): Promise<void> {
  let failed: unknown
  try {
    await what
  } catch (error) {
    failed = error
  }
  if (!failed || !codes.includes(codeOf(failed) ?? '')) {
    throw new IsolationMismatch(
      `${context}: expected SQLSTATE ${codes.join(' or ')}, got ${failed ? `${codeOf(failed)} (${(failed as Error).message})` : 'success'}`,
    )
  }
}

/** What one suite run needs. */
export interface IsolationRun {
  admin: Queryable
  tables: TableInfo[]
  column: string
  tenants: string[]
  execute: TenantExecutor
}

export class IsolationModel {
  readonly model: Model
  constructor(private readonly run: IsolationRun) {
    this.model = run.tables.map(() => new Map(run.tenants.map((t) => [t, new Map<string, Row>()])))
  }

  private keyOf(t: TableInfo, row: Row): string {
    return JSON.stringify(t.key.map((k) => String(row[k])))
  }

  private rowsOf(table: number, tenant: string): Map<string, Row> {
    return this.model[table]!.get(tenant)!
  }

  private returning(text: string): string {
    return `${text} RETURNING pg_catalog.row_to_json(x.*)::text AS row`
  }

  private parse(result: { rows: unknown[] }): Row[] {
    return result.rows.map((r) => JSON.parse(String((r as { row: unknown }).row)) as Row)
  }

  /** Whether another table's row of this tenant references `row`. */
  private referenced(table: number, tenant: string, row: Row): boolean {
    const t = this.run.tables[table]!
    return this.run.tables.some((child, i) =>
      child.columns.some(
        (c) =>
          c.ref?.table === t.name &&
          [...this.rowsOf(i, tenant).values()].some((r) => String(r[c.name]) === String(row[c.ref!.column])),
      ),
    )
  }

  /** The row values to insert, with foreign keys taken from this tenant's parent rows; undefined to skip. */
  private valuesFor(op: Op, tenant: string): Row | undefined {
    const t = this.run.tables[op.table]!
    const row: Row = { ...op.values }
    for (const c of t.written) {
      if (!c.ref) continue
      const parentIndex = this.run.tables.findIndex((p) => p.name === c.ref!.table)
      const parents = parentIndex < 0 ? [] : [...this.rowsOf(parentIndex, tenant).values()]
      if (parents.length === 0) {
        if (c.notNull) return undefined
        row[c.name] = null
      } else row[c.name] = parents[op.pick % parents.length]![c.ref.column]
    }
    return row
  }

  private where(t: TableInfo, row: Row, offset: number): { sql: string; params: unknown[] } {
    const keys = t.key.filter((k) => k !== this.run.column)
    // No tenant filter: the policy alone must keep the statement to this tenant's rows.
    if (keys.length === 0) return { sql: 'true', params: [] }
    return {
      sql: keys.map((k, i) => `x.${ident(k)} = $${offset + i + 1}`).join(' AND '),
      params: keys.map((k) => row[k]),
    }
  }

  private insertSql(t: TableInfo, row: Row, tenant: string): { text: string; params: unknown[] } {
    const cols = [this.run.column, ...t.written.map((c) => c.name)]
    const params = [tenant, ...t.written.map((c) => row[c.name] ?? null)]
    return {
      text: `INSERT INTO ${t.sql} AS x (${cols.map(ident).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
      params,
    }
  }

  async apply(op: Op): Promise<void> {
    const { execute, column } = this.run
    const t = this.run.tables[op.table]!
    const tenant = this.run.tenants[op.tenant]!
    const other = this.run.tenants[op.other]!
    const own = this.rowsOf(op.table, tenant)
    const existing = [...own.values()]
    const picked = existing.length > 0 ? existing[op.pick % existing.length] : undefined
    const label = `${op.kind} on ${t.name} as tenant ${tenant}`
    const keyHasDefault = t.key.some((k) => t.columns.find((c) => c.name === k)?.hasDefault)

    try {
      switch (op.kind) {
        case 'insert':
        case 'upsert': {
          const row = this.valuesFor(op, tenant)
          if (!row) return
          const insert = this.insertSql(t, row, tenant)
          if (op.kind === 'upsert' && !keyHasDefault) {
            const set = t.mutable.map((c) => `${ident(c.name)} = excluded.${ident(c.name)}`)
            const conflict = `ON CONFLICT (${t.key.map(ident).join(', ')}) DO ${set.length ? `UPDATE SET ${set.join(', ')}` : 'NOTHING'}`
            const done = this.parse(
              await execute(tenant, this.returning(`${insert.text} ${conflict}`), insert.params),
            )
            for (const r of done) own.set(this.keyOf(t, r), r)
            return
          }
          const probe = { ...row, [column]: tenant }
          if (!keyHasDefault && own.has(this.keyOf(t, probe))) {
            await expectCode(execute(tenant, this.returning(insert.text), insert.params), ['23505'], label)
            return
          }
          const done = this.parse(await execute(tenant, this.returning(insert.text), insert.params))
          if (done.length !== 1)
            throw new IsolationMismatch(`${label}: inserted ${done.length} rows, expected 1`)
          own.set(this.keyOf(t, done[0]!), done[0]!)
          return
        }
        case 'update': {
          // A key with a default (serial id) has no generated value to miss with.
          if (!picked && keyHasDefault) return
          const target = picked ?? op.values
          const [change] = t.mutable
          if (!change) return
          const where = this.where(t, target, 1)
          const text = this.returning(
            `UPDATE ${t.sql} AS x SET ${ident(change.name)} = $1 WHERE ${where.sql}`,
          )
          const done = this.parse(
            await execute(tenant, text, [op.values[change.name] ?? null, ...where.params]),
          )
          if (done.length !== (picked ? 1 : 0) || done.some((r) => String(r[column]) !== tenant)) {
            throw new IsolationMismatch(
              `${label}: changed ${JSON.stringify(done)}, expected ${picked ? 'its one row' : 'nothing'}`,
            )
          }
          for (const r of done) own.set(this.keyOf(t, r), r)
          return
        }
        case 'delete': {
          if ((!picked && keyHasDefault) || (picked && this.referenced(op.table, tenant, picked))) return
          const where = this.where(t, picked ?? op.values, 0)
          const done = this.parse(
            await execute(
              tenant,
              this.returning(`DELETE FROM ${t.sql} AS x WHERE ${where.sql}`),
              where.params,
            ),
          )
          if (done.length !== (picked ? 1 : 0) || done.some((r) => String(r[column]) !== tenant)) {
            throw new IsolationMismatch(
              `${label}: deleted ${JSON.stringify(done)}, expected ${picked ? 'its one row' : 'nothing'}`,
            )
          }
          for (const r of done) own.delete(this.keyOf(t, r))
          return
        }
        case 'select': {
          const seen = this.parse(
            await execute(tenant, `SELECT pg_catalog.row_to_json(x.*)::text AS row FROM ${t.sql} AS x`, []),
          )
          const expected = existing.map((r) => JSON.stringify(r)).sort()
          const actual = seen.map((r) => JSON.stringify(r)).sort()
          if (JSON.stringify(actual) !== JSON.stringify(expected)) {
            throw new IsolationMismatch(
              `${label}: saw ${actual.length} rows ${actual.slice(0, 3).join(' ')}, expected ${expected.length} ${expected.slice(0, 3).join(' ')}`,
            )
          }
          return
        }
        case 'write-other': {
          if (other === tenant) return
          const row = this.valuesFor(op, tenant)
          if (!row) return
          const insert = this.insertSql(t, row, other)
          // No RETURNING: it would apply the SELECT policy and hide a WITH CHECK that lets the row in.
          await expectCode(
            execute(tenant, insert.text, insert.params),
            ['42501'],
            `${label} (row of ${other})`,
          )
          return
        }
        case 'move-to-other': {
          if (other === tenant || !picked || this.referenced(op.table, tenant, picked)) return
          const where = this.where(t, picked, 1)
          const text = `UPDATE ${t.sql} AS x SET ${ident(column)} = $1 WHERE ${where.sql}`
          await expectCode(
            execute(tenant, text, [other, ...where.params]),
            ['42501'],
            `${label} (move to ${other})`,
          )
          return
        }
      }
    } catch (error) {
      if (error instanceof IsolationMismatch) throw error
      // A statement the model expected to work failed (a unique violation on a row a leaky policy let
      // another tenant put there, say): say which, rather than surface the bare driver error.
      const message = error instanceof Error ? error.message : String(error)
      throw new IsolationMismatch(
        `${label}: failed with SQLSTATE ${codeOf(error)} (${message}) where the model expected it to work`,
        { cause: error },
      )
    }
  }

  /** Every table as the admin sees it must equal the model of all tenants. */
  async judge(): Promise<void> {
    for (const [i, t] of this.run.tables.entries()) {
      const { rows } = await this.run.admin.query<{ row: string }>(
        `SELECT pg_catalog.row_to_json(x.*)::text AS row FROM ${t.sql} AS x`,
      )
      const actual = rows.map((r) => JSON.stringify(JSON.parse(r.row))).sort()
      const expected = [...this.model[i]!.values()]
        .flatMap((m) => [...m.values()])
        .map((r) => JSON.stringify(r))
        .sort()
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        throw new IsolationMismatch(
          `${t.name} as the admin sees it (${actual.length} rows) differs from the model (${expected.length} rows)`,
        )
      }
    }
  }
}

/**
 * Random operations from every tenant at once (each tenant's in order, so the model stays exact),
 * then the admin's view of every table is compared with the model.
 */
export async function runIsolationProperty(
  run: IsolationRun,
  options: { operations: number; opsPerRun: number },
): Promise<void> {
  const opsPerRun = Math.min(options.opsPerRun, options.operations)
  const numRuns = Math.ceil(options.operations / opsPerRun)
  const truncate = `TRUNCATE ${run.tables.map((t) => t.sql).join(', ')}`
  await fc.assert(
    fc.asyncProperty(
      fc.array(operationArbitrary(run.tables, run.tenants.length), {
        minLength: opsPerRun,
        maxLength: opsPerRun,
      }),
      async (ops) => {
        await run.admin.query(truncate)
        const model = new IsolationModel(run)
        const lanes: Op[][] = run.tenants.map(() => [])
        for (const op of ops) lanes[op.tenant]!.push(op)
        await Promise.all(
          lanes.map(async (lane) => {
            for (const op of lane) await model.apply(op)
          }),
        )
        await model.judge()
      },
    ),
    { numRuns, endOnFailure: true },
  )
}
