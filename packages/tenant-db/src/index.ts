export type { ContextClient, ContextPool } from './context/context-pool'
export type { TenantInput, TenantValues } from './context/settings'
export { type Duration, toMs as parseDuration } from './duration'
export {
  MigrationChangedError,
  MigrationError,
  MigrationLockError,
  TenantContextMissingError,
  TenantDbArgumentError,
  TenantDbError,
  type TenantDbErrorCode,
  TenantIdError,
  TenantNestingError,
  TenantOrmProtocolError,
  TenantRoleError,
  TenantTxClosedError,
} from './errors'
export type { RoleCheck } from './guard'
export type { PoolClientLike, PoolLike, Queryable, QueryResultLike } from './queryable'
export { createTenantDb, type TenantDb, type TenantDbOptions, type TenantTx } from './tenant-db'
export { defaultTenantIdSchema } from './tenant-id'
export { type TenantQueryContext, type TenantWithTenantContext, tenantDbChannels } from './tracing'
