export type { Duration } from './duration'
export { type AppliedRls, type ApplyTenantRlsOptions, applyTenantRls } from './migrate/apply-rls'
export { type TenantRlsSqlOptions, tenantGrantsSql, tenantPredicate, tenantRlsSql } from './migrate/rls-sql'
export { type MigrationsResult, type RunMigrationsOptions, runMigrations } from './migrate/run-migrations'
