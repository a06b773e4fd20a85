import type { Cache, CacheEvent } from '../../src/index'

/** What one instance's load saw: every call's duration, what threw, reads older than own writes. */
export interface LoadReport {
  calls: number
  threw: unknown[]
  slowestMs: number
  /** Reads of an own key that returned a value older than a write or delete this instance had completed. */
  olderThanOwnWrite: { key: string; read: number; floor: number }[]
  /** The last completed write per own key: its sequence number, or `undefined` after a delete. */
  lastWrite: Map<string, number | undefined>
}

/**
 * One instance's load, one call at a time: sets, deletes and gets of its own keys (values are a
 * sequence number, so a read can tell whether it is older than what this instance last wrote),
 * plus sets (`writer`) or gets (reader) of shared keys. Read-your-writes: a read issued after a
 * completed write or delete of seq `s` must return `undefined` or a value `>= s`.
 */
export function runLoad(
  cache: Cache,
  options: { own: string; ownKeys: number; shared: string[]; writer: boolean; pauseMs?: number },
) {
  const report: LoadReport = {
    calls: 0,
    threw: [],
    slowestMs: 0,
    olderThanOwnWrite: [],
    lastWrite: new Map(),
  }
  const floor = new Map<string, number>()
  let seq = 0
  let running = true
  const timed = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    const started = performance.now()
    try {
      return await call()
    } catch (error) {
      report.threw.push(error)
      return undefined
    } finally {
      report.calls++
      report.slowestMs = Math.max(report.slowestMs, performance.now() - started)
    }
  }
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const key = `${options.own}:${i % options.ownKeys}`
      const s = ++seq
      if (i % 10 === 9) {
        await timed(() => cache.delete(key))
        floor.set(key, s)
        report.lastWrite.set(key, undefined)
      } else {
        await timed(() => cache.set(key, s))
        floor.set(key, s)
        report.lastWrite.set(key, s)
      }
      const readKey = `${options.own}:${(i * 7) % options.ownKeys}`
      const atIssue = floor.get(readKey) ?? 0
      const read = await timed(() => cache.get<number>(readKey))
      if (read !== undefined && read < atIssue) {
        report.olderThanOwnWrite.push({ key: readKey, read, floor: atIssue })
      }
      const shared = options.shared[i % options.shared.length]!
      if (options.writer) await timed(() => cache.set(shared, ++seq))
      else await timed(() => cache.get(shared))
      if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs))
    }
  })()
  return {
    report,
    async stop(): Promise<LoadReport> {
      running = false
      await loop
      return report
    },
  }
}

/** The first `fallback` event from `since` and the last `recover`: how long an instance served from its fallback. */
export function modeTimes(events: { type: CacheEvent['type']; at: number }[], since = 0) {
  const fallback = events.find((e) => e.type === 'fallback' && e.at >= since)?.at
  const recover = events.filter((e) => e.type === 'recover').at(-1)?.at
  return { fallback, recover, inFallbackMs: fallback && recover ? Math.round(recover - fallback) : undefined }
}
