import { HttpError } from '../http/errors'

/** More password checks waiting than the gate queues: the caller should come back in a moment. */
export class LoginBusyError extends HttpError {
  constructor() {
    super(503, 'LOGIN_BUSY', 'Too many logins are being checked right now; try again in a few seconds.')
  }
}

/**
 * Bounds the scrypt work of one process: at most `concurrency` password checks at once (each costs
 * ~40 ms of CPU and 32 MiB), at most `maxQueue` waiting, the rest refused at once. Checks for a known
 * device go ahead of the others, so a spray that fills the queue does not keep regular users out.
 */
export function createHashGate(options: { concurrency: number; maxQueue: number }) {
  const waiting: { priority: Array<() => void>; normal: Array<() => void> } = { priority: [], normal: [] }
  let running = 0
  let peak = 0

  return {
    async run<T>(task: () => Promise<T>, priority = false): Promise<T> {
      if (running >= options.concurrency) {
        if (waiting.priority.length + waiting.normal.length >= options.maxQueue) throw new LoginBusyError()
        // Resumed by a finishing check, which hands over its slot (`running` already counts this one).
        await new Promise<void>((resolve) => (priority ? waiting.priority : waiting.normal).push(resolve))
      } else {
        running++
      }
      peak = Math.max(peak, running)
      try {
        return await task()
      } finally {
        const start = waiting.priority.shift() ?? waiting.normal.shift()
        if (start) start()
        else running--
      }
    },
    /** Checks running now, waiting now, and the most ever run at once. */
    stats(): { running: number; waiting: number; peak: number } {
      return { running, waiting: waiting.priority.length + waiting.normal.length, peak }
    },
  }
}

export type HashGate = ReturnType<typeof createHashGate>
