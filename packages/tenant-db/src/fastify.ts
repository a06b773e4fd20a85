import type { FastifyPluginCallback, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { enterRequest, type TenantResolver } from './context/hook'
import type { TenantDb } from './tenant-db'

/** Options of `tenantContextPlugin`. */
export interface TenantFastifyOptions<K extends string = 'tenant'> {
  db: TenantDb<K>
  /** The request's tenant (or all its values), after your auth; `undefined` for none. */
  tenant: TenantResolver<FastifyRequest, K>
  /** The hook it runs in. Default `'preHandler'`: after `onRequest` / `preValidation` auth hooks. */
  hook?: 'onRequest' | 'preValidation' | 'preHandler'
}

const plugin: FastifyPluginCallback<TenantFastifyOptions<string>> = (fastify, options, done) => {
  const hook = (options.hook ?? 'preHandler') as 'preHandler'
  fastify.addHook(hook, (request: FastifyRequest, _reply: FastifyReply, next: HookHandlerDoneFunction) => {
    enterRequest(options.db, options.tenant, request, (error) => next(error as Error | undefined))
  })
  done()
}

// Same effect as fastify-plugin: the hook applies to the routes of the scope that registers it.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@rc/tenant-db',
})

/**
 * Fastify plugin: each request's handler (and everything it awaits) runs in `db.runAsTenant` for
 * the tenant `tenant(request)` returns, so repositories call `db.query(sql, params)`.
 */
export const tenantContextPlugin: FastifyPluginCallback<TenantFastifyOptions<string>> = plugin
