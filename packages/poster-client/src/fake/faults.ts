import { type Duration, toMs } from '../duration'
import type { Rng } from './rng'

/** A fault the fake can inject into one answer. */
export type FakeFault =
  /** HTTP 500/502/503 with an HTML or empty body. */
  | 'server-error'
  /** HTTP 429 with Retry-After. */
  | 'rate-limit'
  /** The right answer, after `slowDelay`. */
  | 'slow'
  /** Never answers (until the client gives up or the fake closes). */
  | 'hang'
  /** HTTP 200 with a cut JSON body. */
  | 'malformed-json'
  /** Drops the connection without an answer. */
  | 'disconnect'
  /**
   * Does the work (a write is made), then never answers: the client times out not knowing that
   * Poster accepted it. The case a write must reconcile before it retries.
   */
  | 'lost-reply'
  /** A Poster error body in one of its three shapes (default `nested`). */
  | { error: number; shape?: 'nested' | 'flat' | 'oauth'; message?: string; field?: string }

/** Probabilities (0..1) of faults on each API call, drawn from the seeded RNG. */
export interface FakeFaultRates {
  serverError?: number
  rateLimit?: number
  slow?: number
  hang?: number
  malformedJson?: number
  disconnect?: number
  /** How late a `slow` reply comes. Default `'3s'`. */
  slowDelay?: Duration
  /** Retry-After of injected 429s (whole seconds are sent). Default `'1s'`. */
  retryAfter?: Duration
}

interface OneShot {
  fault: FakeFault
  remaining: number
  method?: string
  account?: string
}

/** Which calls a queued fault applies to; unset fields match every call. */
export interface FaultTarget {
  method?: string
  /** The account (its name) whose calls get the fault. */
  account?: string
}

/** Picks the fault for each call: queued one-shots first, then the configured rates. */
export function createFaultPlan(rng: Rng, initial: FakeFaultRates = {}) {
  let rates = initial
  const queue: OneShot[] = []
  const order: Array<[keyof FakeFaultRates, FakeFault]> = [
    ['serverError', 'server-error'],
    ['rateLimit', 'rate-limit'],
    ['slow', 'slow'],
    ['hang', 'hang'],
    ['malformedJson', 'malformed-json'],
    ['disconnect', 'disconnect'],
  ]
  return {
    set(next: FakeFaultRates) {
      rates = next
    },
    reset() {
      rates = {}
      queue.length = 0
    },
    queue(fault: FakeFault, times: number, target: FaultTarget = {}) {
      queue.push({
        fault,
        remaining: times,
        ...(target.method === undefined ? {} : { method: target.method }),
        ...(target.account === undefined ? {} : { account: target.account }),
      })
    },
    get slowDelayMs() {
      return toMs(rates.slowDelay ?? '3s', 'slowDelay')
    },
    get retryAfterMs() {
      return toMs(rates.retryAfter ?? '1s', 'retryAfter')
    },
    next(method: string, account: string | undefined): FakeFault | undefined {
      const shot = queue.find(
        (s) =>
          (s.method === undefined || s.method === method) &&
          (s.account === undefined || s.account === account),
      )
      if (shot) {
        shot.remaining--
        if (shot.remaining <= 0) queue.splice(queue.indexOf(shot), 1)
        return shot.fault
      }
      // One draw per call, split into bands, so the rates add up like the storm describes.
      const draw = rng.next()
      let edge = 0
      for (const [name, fault] of order) {
        edge += Number(rates[name] ?? 0)
        if (draw < edge) return fault
      }
      return undefined
    },
  }
}
