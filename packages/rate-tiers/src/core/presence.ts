import type { RateStore } from '../types'

/** This instance's presence in a store, and the count of live instances it last saw. */
export interface Presence {
  peers(): number
  stop(): void
}

/**
 * Notes this instance in the store every `intervalMs` (live for 3 intervals) and keeps the count
 * of live instances the store answered; it stays at the last count while the store is down.
 */
export function startPresence(store: RateStore, intervalMs: number): Presence {
  const id = crypto.randomUUID()
  let peers = 1
  const note = () => {
    store.presence!(id, 3 * intervalMs).then(
      (n) => {
        peers = Math.max(1, n)
      },
      () => {
        // Down: keep the last count, which is what the fallback's share is for.
      },
    )
  }
  note()
  const timer = setInterval(note, intervalMs)
  // Presence must not keep a process alive.
  timer.unref()
  return { peers: () => peers, stop: () => clearInterval(timer) }
}
