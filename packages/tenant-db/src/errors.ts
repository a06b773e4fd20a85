import { RcError } from '@rc/internal'

/** Stable codes of every error @rc/tenant-db throws. */
export type TenantDbErrorCode =
  | 'TENANT_ID_INVALID'
  | 'TENANT_NESTED'
  | 'TENANT_TX_CLOSED'
  | 'TENANT_DB_INVALID_ARGUMENT'
  | 'TENANT_DB_MIGRATION_FAILED'
  | 'TENANT_DB_MIGRATION_CHANGED'
  | 'TENANT_DB_MIGRATION_LOCKED'

/** Base class of every @rc/tenant-db error: check `code`, not the message. */
export class TenantDbError extends RcError<TenantDbErrorCode> {
  override readonly name: string = 'TenantDbError'
  /** The tenant involved, when there is one and it passed validation. */
  declare readonly tenantId?: string

  constructor(
    code: TenantDbErrorCode,
    message: string,
    options: { cause?: unknown; tenantId?: string } = {},
  ) {
    super('@rc/tenant-db', code, message, options)
  }
}

/**
 * A tenant id failed validation before anything was sent to the server. The
 * rejected value is deliberately not echoed: it may be hostile input.
 */
export class TenantIdError extends TenantDbError {
  override readonly name = 'TenantIdError'
  /** What the schema said, e.g. zod's issue messages. */
  readonly issues: string[]
  constructor(issues: string[], cause?: unknown) {
    super(
      'TENANT_ID_INVALID',
      `tenant id is invalid (${issues.join('; ')}); pass the id from your auth context, or widen the \`tenantId\` schema of createTenantDb if your ids have another shape.`,
      { cause },
    )
    this.issues = issues
  }
}

/** `withTenant` for tenant B was called inside `withTenant` for tenant A. */
export class TenantNestingError extends TenantDbError {
  override readonly name = 'TenantNestingError'
  readonly outerTenantId: string
  constructor(outerTenantId: string, tenantId: string) {
    super(
      'TENANT_NESTED',
      `withTenant("${tenantId}") was called inside withTenant("${outerTenantId}"); one unit of work serves one tenant: finish the outer call first, or run the other tenant's work outside it.`,
      { tenantId },
    )
    this.outerTenantId = outerTenantId
  }
}

/** A `tx` handle was used after its `withTenant` call had finished. */
export class TenantTxClosedError extends TenantDbError {
  override readonly name = 'TenantTxClosedError'
  constructor(tenantId: string) {
    super(
      'TENANT_TX_CLOSED',
      `the transaction for tenant "${tenantId}" is already committed or rolled back; use tx only inside the withTenant callback and await every query before returning.`,
      { tenantId },
    )
  }
}

/** An option or argument has the wrong shape (table name, role, setting, ...). */
export class TenantDbArgumentError extends TenantDbError {
  override readonly name = 'TenantDbArgumentError'
  constructor(message: string, cause?: unknown) {
    super('TENANT_DB_INVALID_ARGUMENT', message, { cause })
  }
}

/** A migration file failed; it was rolled back and later files were not run. */
export class MigrationError extends TenantDbError {
  override readonly name = 'MigrationError'
  readonly file: string
  constructor(file: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(
      'TENANT_DB_MIGRATION_FAILED',
      `migration ${file} failed and was rolled back (${reason}); fix the file and run again: files before it stay applied.`,
      { cause },
    )
    this.file = file
  }
}

/** An already applied migration file was edited afterwards. */
export class MigrationChangedError extends TenantDbError {
  override readonly name = 'MigrationChangedError'
  readonly file: string
  constructor(file: string) {
    super(
      'TENANT_DB_MIGRATION_CHANGED',
      `migration ${file} was already applied but its content changed since; restore the original file and put the change in a new migration.`,
    )
    this.file = file
  }
}

/** Another runner held the migration lock for longer than `lockTimeout`. */
export class MigrationLockError extends TenantDbError {
  override readonly name = 'MigrationLockError'
  constructor(timeoutMs: number, cause: unknown) {
    super(
      'TENANT_DB_MIGRATION_LOCKED',
      `another runMigrations held the migration lock for more than ${timeoutMs} ms; wait for it to finish, or raise lockTimeout if your migrations are slow.`,
      { cause },
    )
  }
}
