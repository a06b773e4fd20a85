import { memoryStore } from '../src/memory'
import { outageStore } from './support/outage-store'
import { describeCacheTracing } from './support/tracing-suite'

describeCacheTracing('memory', async () => {
  const store = outageStore(memoryStore())
  return {
    store,
    cut: async () => {
      store.down = true
    },
    restore: async () => {
      store.down = false
    },
    close: async () => {},
  }
})
