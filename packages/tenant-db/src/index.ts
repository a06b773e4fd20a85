export { type Duration, toMs as parseDuration } from './duration'
export {
  MigrationChangedError,
  MigrationError,
  MigrationLockError,
  TenantDbArgumentError,
  TenantDbError,
  type TenantDbErrorCode,
  TenantIdError,
  TenantNestingError,
  TenantTxClosedError,
} from './errors'
export type { PoolClientLike, PoolLike, Queryable, QueryResultLike } from './queryable'
export { createTenantDb, type TenantDb, type TenantDbOptions, type TenantTx } from './tenant-db'
export { defaultTenantIdSchema } from './tenant-id'
