import { existsSync, readFileSync } from 'node:fs'

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Calls `check` every `intervalMs` until it returns a value other than `undefined`, or throws
 * `onTimeout()` after `timeoutMs`. A check that throws counts as not ready yet: nodes come and go.
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined>,
  {
    timeoutMs,
    intervalMs = 50,
    onTimeout,
  }: { timeoutMs: number; intervalMs?: number; onTimeout: () => Error },
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch {}
    if (Date.now() > deadline) throw onTimeout()
    await sleep(intervalMs)
  }
}

/** The last `lines` lines of a log file, for error messages ('' when there is none yet). */
export function logTail(file: string, lines = 15): string {
  if (!existsSync(file)) return ''
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
}
