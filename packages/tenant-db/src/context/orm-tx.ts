import { TenantContextMissingError } from '../errors'
import type { TenantDb } from '../tenant-db'
import type { TenantInput } from './settings'
import { currentFrame, openTxOf, tenantStorage } from './storage'

/**
 * `withTenant` for an ORM adapter: runs `begin` (the ORM's own transaction over the TenantDb's
 * context pool) inside a context for `tenant`, and remembers the ORM's transaction object so a
 * nested call for the same tenant reuses it. `tenant` undefined: the current context.
 */
export function ormWithTenant<Tx, T, K extends string>(
  db: TenantDb<K>,
  owner: object,
  tenant: TenantInput<K> | undefined,
  begin: (fn: (tx: Tx) => Promise<T>) => Promise<T>,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  const run = (): Promise<T> => {
    const open = openTxOf<Tx>(owner)
    if (open) return fn(open)
    return begin(async (tx) => {
      const parent = currentFrame()!
      let isOpen = true
      try {
        return await tenantStorage.run(
          { values: parent.values, owner, tx, isOpen: () => isOpen, parent },
          () => fn(tx),
        )
      } finally {
        isOpen = false
      }
    })
  }
  if (tenant !== undefined) return db.runAsTenant(tenant, run)
  return Promise.resolve().then(() => {
    if (!currentFrame()) throw new TenantContextMissingError('an ORM transaction without a tenant argument')
    return run()
  })
}
