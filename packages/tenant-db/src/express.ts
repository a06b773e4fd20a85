import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { enterRequest, type TenantResolver } from './context/hook'
import type { TenantDb } from './tenant-db'

/** Options of `tenantContextMiddleware`. */
export interface TenantExpressOptions<K extends string = 'tenant'> {
  db: TenantDb<K>
  /** The request's tenant (or all its values), after your auth middleware; `undefined` for none. */
  tenant: TenantResolver<Request, K>
}

/**
 * Express middleware: the rest of the request runs in `db.runAsTenant` for the tenant
 * `tenant(req)` returns. Mount it after authentication. Errors go to `next(error)`.
 */
export function tenantContextMiddleware<K extends string = 'tenant'>(
  options: TenantExpressOptions<K>,
): RequestHandler {
  return (request: Request, _response: Response, next: NextFunction) => {
    enterRequest(options.db, options.tenant, request, next)
  }
}
