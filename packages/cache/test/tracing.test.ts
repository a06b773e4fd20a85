import { memoryStore } from '../src/memory'
import { chaosStore } from './support/chaos-store'
import { describeCacheTracing } from './support/tracing-suite'

describeCacheTracing('memory', async () => {
  const store = chaosStore(memoryStore())
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
