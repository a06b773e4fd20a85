// Compile-time checks of the public surface: vitest's typecheck runs them (and `pnpm typecheck`).
import { PGlite } from '@electric-sql/pglite'
import type { Transaction } from 'kysely'
import pg from 'pg'
import { expectTypeOf } from 'vitest'
import { z } from 'zod'
import { type AuditResult, auditTenancy, type Finding } from '../src/audit'
import { type DrizzleTenantTx, drizzleTenantDb } from '../src/drizzle'
import { tenantContextMiddleware } from '../src/express'
import {
  createTenantDb,
  type PoolLike,
  type QueryResultLike,
  type RoleCheck,
  type TenantTx,
} from '../src/index'
import { kyselyTenantDb } from '../src/kysely'
import { applyTenantRls, type MigrationsResult, runMigrations, tenantRlsSql } from '../src/migrate'
import { pglitePool } from '../src/pglite'
import { describeTenantIsolation } from '../src/testing'

// Both drivers fit the structural pool interface without adapters of our own making.
const pool = new pg.Pool()
expectTypeOf(pool).toExtend<PoolLike>()
expectTypeOf(pglitePool(new PGlite(), { role: 'app' })).toExtend<PoolLike>()

const db = createTenantDb({ pool, setting: 'app.current_tenant', tenantId: z.uuid() })
expectTypeOf(db.withTenant('1', async (tx) => tx.tenantId)).resolves.toEqualTypeOf<string>()
expectTypeOf(db.withTenant('1', async (tx) => tx)).resolves.toEqualTypeOf<TenantTx>()
expectTypeOf(db.query<{ id: number }>('1', 'SELECT 1 AS id')).resolves.toEqualTypeOf<
  QueryResultLike<{ id: number }>
>()
expectTypeOf(db.currentTenant()).toEqualTypeOf<string | undefined>()
expectTypeOf(
  runMigrations(pool, { dir: './m', lockTimeout: '30s' }),
).resolves.toEqualTypeOf<MigrationsResult>()
expectTypeOf(tenantRlsSql({ table: 't', column: 'c', role: 'r' })).toEqualTypeOf<string>()
expectTypeOf(auditTenancy(pool, { column: 'c', role: 'r' })).resolves.toEqualTypeOf<AuditResult>()
expectTypeOf<Finding['severity']>().toEqualTypeOf<'error' | 'warning'>()

// @ts-expect-error a pool is required
createTenantDb({})
// @ts-expect-error the tenant id schema must produce strings
createTenantDb({ pool, tenantId: z.number() })
// @ts-expect-error the callback receives the transaction and must return a promise
db.withTenant('1', (tx: TenantTx) => tx.tenantId)
// @ts-expect-error durations are numbers or '<n><unit>' strings
runMigrations(pool, { dir: './m', lockTimeout: '5 minutes' })
// @ts-expect-error tables is a list
applyTenantRls(pool, { tables: 'orders', column: 'c', role: 'r' })
// @ts-expect-error the setting is a string naming a custom GUC
createTenantDb({ pool, setting: 42 })
// @ts-expect-error the audit needs the tenant column
auditTenancy(pool, { role: 'r' })
// @ts-expect-error the RLS SQL needs the app role
tenantRlsSql({ table: 't', column: 'c' })
// @ts-expect-error migrations need their directory
runMigrations(pool, {})
// @ts-expect-error the PGlite pool wraps a PGlite instance
pglitePool('memory://')

// 0.2: context, settings, adapters, hooks, testing.
const multi = createTenantDb({ pool, settings: { tenant: 'app.t', user: 'app.u', role: 'app.r' } })
expectTypeOf(multi.runAsTenant({ tenant: '1', user: 'u' }, () => 42)).resolves.toEqualTypeOf<number>()
expectTypeOf(multi.query<{ n: number }>('SELECT 1 AS n')).resolves.toEqualTypeOf<
  QueryResultLike<{ n: number }>
>()
expectTypeOf(multi.withTenant(async (tx) => tx.tenantId)).resolves.toEqualTypeOf<string>()
expectTypeOf(multi.settings).toEqualTypeOf<Readonly<Record<'tenant' | 'user' | 'role', string>>>()
expectTypeOf(multi.verifyRole()).resolves.toEqualTypeOf<RoleCheck>()
expectTypeOf(drizzleTenantDb(db).withTenant('1', async (tx) => tx)).resolves.toEqualTypeOf<
  DrizzleTenantTx<Record<string, never>>
>()
expectTypeOf(
  kyselyTenantDb<{ t: { id: number } }>(db).withTenant('1', async (trx) => trx),
).resolves.toEqualTypeOf<Transaction<{ t: { id: number } }>>()
tenantContextMiddleware({ db, tenant: (req) => req.get('x-tenant') })
describeTenantIsolation({ adminPool: pool, appPool: pool, tables: ['t'], column: 'c' })

// @ts-expect-error a value needs the tenant
multi.runAsTenant({ user: 'u' }, () => 1)
// @ts-expect-error only configured settings
multi.query({ tenant: '1', colour: 'red' }, 'SELECT 1')
// @ts-expect-error a schema for a configured setting must produce strings
createTenantDb({ pool, settings: { tenant: 'app.t', user: 'app.u' }, schemas: { user: z.number() } })
// @ts-expect-error the guard switch is a boolean
createTenantDb({ pool, allowPrivilegedRole: 'yes' })
// @ts-expect-error the kit needs the tenant column
describeTenantIsolation({ adminPool: pool, tables: ['t'] })
