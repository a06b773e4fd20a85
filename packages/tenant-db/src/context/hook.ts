import type { TenantDb } from '../tenant-db'
import type { TenantInput } from './settings'

/** Where a request's tenant comes from: a function the app supplies, run after its authorization. */
export type TenantResolver<Req, K extends string> = (
  request: Req,
) => TenantInput<K> | undefined | Promise<TenantInput<K> | undefined>

/**
 * Resolves the tenant of `request` and calls `next` inside its context; `next(error)` when the
 * resolver throws or a value is invalid. No tenant (`undefined`): `next` runs outside any
 * context, so tenant queries fail closed.
 */
export function enterRequest<Req, K extends string>(
  db: TenantDb<K>,
  resolve: TenantResolver<Req, K>,
  request: Req,
  next: (error?: unknown) => void,
): void {
  let called = false
  const once = (error?: unknown) => {
    if (called) return
    called = true
    next(error)
  }
  Promise.resolve()
    .then(() => resolve(request))
    .then((tenant) => {
      if (tenant === undefined) return once()
      // runAsTenant validates and checks nesting; the framework continues the request from the
      // next() call made inside the context, so the handler and what it awaits see the tenant.
      return db.runAsTenant(tenant, () => once())
    })
    .catch(once)
}
