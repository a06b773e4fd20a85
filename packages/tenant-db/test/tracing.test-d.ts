// The tracing surface: channel names are literal types, contexts type what a subscriber reads.
import { expectTypeOf } from 'vitest'
import { type TenantQueryContext, type TenantWithTenantContext, tenantDbChannels } from '../src/index'

expectTypeOf(tenantDbChannels.query).toEqualTypeOf<'rc:tenant-db:query'>()
expectTypeOf(tenantDbChannels.withTenant).toEqualTypeOf<'rc:tenant-db:withTenant'>()
expectTypeOf<TenantQueryContext['text']>().toBeString()
expectTypeOf<TenantQueryContext['rowCount']>().toEqualTypeOf<number | null | undefined>()
expectTypeOf<TenantWithTenantContext['database']>().toEqualTypeOf<string | undefined>()
// @ts-expect-error parameter values are never part of a context
expectTypeOf<TenantQueryContext['params']>().toBeUnknown()
