import { cacheChannels, createCache } from '@rc/cache'
import { memoryStore } from '@rc/cache/memory'
import { recordTraces } from '@rc/internal'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTenantDb, tenantDbChannels } from '../src/index'
import { createSuppliersFixture, type TenantFixture } from './support/database'

let fx: TenantFixture
let pool: pg.Pool

beforeAll(async () => {
  fx = await createSuppliersFixture('tenant_trace_chain')
  pool = new pg.Pool({ connectionString: fx.appUrl, max: 2 })
})
afterAll(async () => {
  await pool?.end()
  await fx?.destroy()
})

describe('one trace across packages', () => {
  it('cache getOrSet -> load -> withTenant -> query: each starts with its parent current', async () => {
    const cache = createCache({ store: memoryStore(), prefix: 'chain' })
    const db = createTenantDb({ pool })
    const rec = recordTraces([...Object.values(cacheChannels), ...Object.values(tenantDbChannels)])
    try {
      const rows = await cache.namespace('tenant:245580').getOrSet('suppliers', async () => {
        const { rows } = await db.withTenant('245580', (tx) => tx.query('SELECT name FROM suppliers'))
        return rows
      })
      expect(rows).toEqual([])
      const [getOrSet] = rec.contexts(cacheChannels.getOrSet)
      const [load] = rec.contexts(cacheChannels.load)
      const [tx] = rec.contexts(tenantDbChannels.withTenant)
      const [query] = rec.contexts(tenantDbChannels.query)
      expect(rec.parentOf(getOrSet!)).toBeUndefined()
      expect(rec.parentOf(load!)?.context).toBe(getOrSet)
      expect(rec.parentOf(tx!)?.context).toBe(load)
      expect(rec.parentOf(query!)?.context).toBe(tx)
      expect(getOrSet).toMatchObject({
        namespace: 'tenant:245580',
        key: 'suppliers',
        outcome: 'miss',
        loaded: true,
      })
      expect(query).toMatchObject({ tenantId: '245580', operation: 'SELECT', rowCount: 0 })
    } finally {
      rec.stop()
      await cache.close()
    }
  })
})
