import type { BusMessage, CacheBus } from './types'

export interface MemoryBusOptions {
  /** Buses of this process on the same channel hear each other. Default `'rc:cache:bus'`. */
  channel?: string
}

type Listener = (message: BusMessage) => void
const channels = new Map<string, Set<Listener>>()

/**
 * An invalidation bus between caches of one process (tests, several caches
 * over one shared store). Messages are delivered in a microtask, never to
 * the bus that published them; it never disconnects.
 */
export function memoryBus(options: MemoryBusOptions = {}): CacheBus {
  const channel = options.channel ?? 'rc:cache:bus'
  let listener: Listener | undefined
  const peers = () => {
    let set = channels.get(channel)
    if (!set) {
      set = new Set()
      channels.set(channel, set)
    }
    return set
  }
  return {
    async subscribe(onMessage) {
      if (listener) peers().delete(listener)
      listener = onMessage
      peers().add(listener)
    },
    publish(message) {
      const set = channels.get(channel)
      if (!set) return
      // Copied: each listener gets its own message, as over a network.
      const text = JSON.stringify(message)
      for (const peer of set) {
        if (peer === listener) continue
        // A bus closed before delivery hears nothing more.
        queueMicrotask(() => channels.get(channel)?.has(peer) && peer(JSON.parse(text)))
      }
    },
    async close() {
      const set = channels.get(channel)
      if (!listener || !set) return
      set.delete(listener)
      listener = undefined
      if (set.size === 0) channels.delete(channel)
    },
  }
}
