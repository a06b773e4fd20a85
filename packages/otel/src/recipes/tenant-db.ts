import { SpanKind } from '@opentelemetry/api'
import { rcChannels } from '../channels'
import type { SpanRecipe } from '../recipe'

/** The fields of the @rc/tenant-db contexts this package reads. */
export interface TenantDbContext {
  tenantId: string
  database?: string
  user?: string
  role?: string
  text?: string
  operation?: string
  statementName?: string
  rowCount?: number | null
}

export function tenantDbRecipes(options: { queryText: boolean }): SpanRecipe<TenantDbContext>[] {
  const withTenant: SpanRecipe<TenantDbContext> = {
    channel: rcChannels.tenantDb.withTenant,
    kind: SpanKind.INTERNAL,
    name: () => 'tenant-db withTenant',
    attributes: (ctx) => ({
      'db.system.name': 'postgresql',
      'db.namespace': ctx.database,
      'rc.tenant.id': ctx.tenantId,
      'rc.tenant.user': ctx.user,
      'rc.tenant.role': ctx.role,
    }),
  }
  // A database client span (semantic conventions: name "{db.operation.name} {db.namespace}").
  const query: SpanRecipe<TenantDbContext> = {
    channel: rcChannels.tenantDb.query,
    kind: SpanKind.CLIENT,
    name: (ctx) => [ctx.operation || 'query', ctx.database].filter(Boolean).join(' '),
    attributes: (ctx) => ({
      'db.system.name': 'postgresql',
      'db.namespace': ctx.database,
      'db.operation.name': ctx.operation || undefined,
      // The text as written, with its placeholders: the contract never carries parameter values.
      'db.query.text': options.queryText ? ctx.text : undefined,
      'rc.tenant.id': ctx.tenantId,
      'rc.tenant_db.statement_name': ctx.statementName,
    }),
    result: (ctx, span) => {
      if (typeof ctx.rowCount === 'number') span.setAttribute('db.response.returned_rows', ctx.rowCount)
    },
  }
  return [withTenant, query]
}
