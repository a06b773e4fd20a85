import { isIPv6 } from 'node:net'
import { createRateTiers, type RateDecision, type RateStore } from '@rc/rate-tiers'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { LoginLimits } from '../config'
import { HttpError } from '../http/errors'
import type { Metrics } from '../infra/metrics'
import type { DeviceCookies } from './device-cookies'
import type { HashGate } from './hash-gate'

/** One login attempt, as admitted: `device` is the nonce of a trusted device cookie. */
export interface LoginAttempt {
  account: string
  device: string | undefined
}

/** IPv6 users get a /64 each: counting single addresses would let one host rotate through billions. */
export function sourceOf(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped) return mapped[1] as string
  if (!isIPv6(ip)) return ip
  const [head = '', tail = ''] = ip.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = ip.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`
}

/**
 * Login throttling as OWASP describes it, in front of every password check:
 * - a known device (a valid device cookie for this account) has its own failure budget and skips the rest;
 * - anyone else is counted per source and globally on every attempt, then refused while the account has
 *   had too many failures from strangers;
 * - the check itself runs through a per-process gate that bounds concurrent scrypt work.
 */
export function createLoginThrottle(options: {
  store: RateStore
  limits: LoginLimits
  devices: DeviceCookies
  gate: HashGate
  metrics: Metrics
}) {
  const { devices, gate, metrics } = options
  const limiter = createRateTiers({
    store: options.store,
    tiers: { login: options.limits },
    algorithm: 'sliding-window',
    onStoreError: 'memory',
  })
  const decide = (charge: boolean, bucket: keyof LoginLimits, key: string) => {
    const input = { key: `${bucket}:${key}`, tier: 'login', bucket }
    return charge ? limiter.consume(input) : limiter.peek(input)
  }

  function throttled(decision: RateDecision, limit: keyof LoginLimits): HttpError {
    metrics.loginThrottled.inc({ limit })
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000))
    return new HttpError(
      429,
      'LOGIN_THROTTLED',
      `Too many login attempts; try again in ${seconds} s.`,
      seconds,
    )
  }

  return {
    /** Throws a 429 when this attempt must wait; resolves to the attempt otherwise. */
    async admit(request: FastifyRequest, email: string): Promise<LoginAttempt> {
      const account = email.trim().toLowerCase()
      const device = devices.read(request, account)
      if (device && (await decide(false, 'device', device)).allowed) return { account, device }
      // A device cookie past its own budget (a stolen one being used to guess) is a stranger's from here.
      const source = await decide(true, 'source', sourceOf(request.ip))
      if (!source.allowed) throw throttled(source, 'source')
      const global = await decide(true, 'global', 'all')
      if (!global.allowed) throw throttled(global, 'global')
      const failures = await decide(false, 'account', account)
      if (!failures.allowed) throw throttled(failures, 'account')
      return { account, device: undefined }
    },
    /** Runs the password check through the gate; a known device goes first. */
    async check(attempt: LoginAttempt, verify: () => Promise<boolean>): Promise<boolean> {
      const ok = await gate.run(verify, attempt.device !== undefined)
      metrics.loginChecks.inc({ outcome: ok ? 'ok' : 'failed' })
      return ok
    },
    async failed(attempt: LoginAttempt): Promise<void> {
      if (attempt.device) await decide(true, 'device', attempt.device)
      else await decide(true, 'account', attempt.account)
    },
    /** After a successful login: the browser becomes a known device of the account. */
    succeeded(attempt: LoginAttempt, reply: FastifyReply): void {
      devices.issue(reply, attempt.account)
    },
  }
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>
