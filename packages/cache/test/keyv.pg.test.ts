import { createTestDatabase, type TestDatabase } from '@rc/test-services'
import pg from 'pg'
import { afterAll, beforeAll } from 'vitest'
import { type Cache, createCache } from '../src/index'
import { postgresStore } from '../src/postgres'
import { describeKeyvStore } from './support/keyv-suite'

let db: TestDatabase
let pool: pg.Pool
let cache: Cache
beforeAll(async () => {
  db = await createTestDatabase('cache_keyv')
  pool = new pg.Pool({ connectionString: db.url, max: 5 })
  cache = createCache({ store: postgresStore({ pool }), prefix: 'keyv', storeTimeout: '5s' })
})
afterAll(async () => {
  await cache?.close()
  await pool?.end()
  await db?.drop()
})

describeKeyvStore('postgres', () => cache)
