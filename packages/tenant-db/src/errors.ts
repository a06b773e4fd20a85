import { RcError } from '@rc/internal'

/** Stable codes of every error @rc/tenant-db throws. */
export type TenantDbErrorCode =
  | 'TENANT_ID_INVALID'
  | 'TENANT_NESTED'
  | 'TENANT_TX_CLOSED'
  | 'TENANT_CONTEXT_MISSING'
  | 'TENANT_DB_PRIVILEGED_ROLE'
  | 'TENANT_DB_ORM_PROTOCOL'
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
  /** Which setting's value failed: `tenant`, or another key of `settings`. */
  readonly key: string
  constructor(issues: string[], cause?: unknown, key = 'tenant') {
    super(
      'TENANT_ID_INVALID',
      key === 'tenant'
        ? `tenant id is invalid (${issues.join('; ')}); pass the id from your auth context, or widen the \`tenantId\` schema of createTenantDb if your ids have another shape.`
        : `the value of setting "${key}" is invalid (${issues.join('; ')}); pass it from your auth context, or widen \`schemas.${key}\` of createTenantDb.`,
      { cause },
    )
    this.issues = issues
    this.key = key
  }
}

/** `withTenant` / `runAsTenant` for tenant B was called inside a context for tenant A. */
export class TenantNestingError extends TenantDbError {
  override readonly name = 'TenantNestingError'
  readonly outerTenantId: string
  constructor(outerTenantId: string, tenantId: string) {
    super(
      'TENANT_NESTED',
      `a context for tenant "${tenantId}" was opened inside the context of "${outerTenantId}" (withTenant / runAsTenant, or other user or role values); one unit of work serves one tenant: finish the outer call first, or run the other tenant's work outside it.`,
      { tenantId },
    )
    this.outerTenantId = outerTenantId
  }
}

/** `db.query(sql)` (or an adapter's query) ran outside any `runAsTenant` / `withTenant` context. */
export class TenantContextMissingError extends TenantDbError {
  override readonly name = 'TenantContextMissingError'
  constructor(what = 'a query without a tenant argument') {
    super(
      'TENANT_CONTEXT_MISSING',
      `${what} ran outside any tenant context, so it was refused; wrap the work in db.runAsTenant(id, fn) (or the fastify / express hook, which does it per request), or pass the tenant: db.query(tenantId, sql, params).`,
    )
  }
}

/** The role the pool connects as would bypass row level security. */
export class TenantRoleError extends TenantDbError {
  override readonly name = 'TenantRoleError'
  /** `current_user` of the pool's connections. */
  readonly role: string
  /** What makes it unsafe: `superuser`, `bypassrls`, `owns <table>`. */
  readonly reasons: string[]
  constructor(role: string, reasons: string[], fix: string) {
    super(
      'TENANT_DB_PRIVILEGED_ROLE',
      `the pool connects as role "${role}", which ${reasons.join(', ')}: row level security does not bind it, so every tenant could read every row. Connect createTenantDb's pool as a role without SUPERUSER or BYPASSRLS that owns no tenant table (${fix}), or pass allowPrivilegedRole: true if this pool must bypass RLS on purpose.`,
    )
    this.role = role
    this.reasons = reasons
  }
}

/** An ORM adapter saw its library talk to the connection in a way it does not know (no BEGIN first). */
export class TenantOrmProtocolError extends TenantDbError {
  override readonly name = 'TenantOrmProtocolError'
  constructor(adapter: string, detail: string) {
    super(
      'TENANT_DB_ORM_PROTOCOL',
      `${adapter}: ${detail}; this version of the library is not supported by the adapter. Use db.withTenant from @rc/tenant-db directly, and report the library version.`,
    )
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
