import { afterAll } from 'vitest'
import { createCache } from '../src/index'
import { memoryStore } from '../src/memory'
import { describeKeyvStore } from './support/keyv-suite'

const cache = createCache({ store: memoryStore(), prefix: 'keyv-memory' })
const withL1 = createCache({ store: memoryStore(), prefix: 'keyv-l1', l1: true })
afterAll(async () => {
  await cache.close()
  await withL1.close()
})

describeKeyvStore('memory', () => cache)
describeKeyvStore('memory with l1', () => withL1)
